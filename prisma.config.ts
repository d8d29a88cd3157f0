// Prisma CLI configuration. Only `prisma generate` and `prisma migrate diff --from-empty` are used here: both run on
// Prisma's WebAssembly engines. Migrations are applied by node-pg-migrate at start-up (src/db/migrate.ts).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/hookstream' },
});
