#!/bin/sh
# Stand-in for Prisma's schema-engine binary, which is downloaded from outside npm and cannot be fetched here.
# `prisma generate` only checks that the file exists. Migrations are plain SQL applied by node-pg-migrate (README).
echo "Hookstream does not use Prisma's schema engine: write migrations as SQL in prisma/migrations (see README)." >&2
exit 1
