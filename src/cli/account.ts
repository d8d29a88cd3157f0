// The operator's account CLI: `npm run account -- create --name "Acme Spa" [--max-webhooks N] [--json]`,
// `account list [--json]`, `account rotate-key --id <accountId> [--json]`. Account IDs are printed and read in their
// public form (`acct_…`), the one the API's `viewer { id }` answers. With no DATABASE_URL it opens the same
// embedded PostgreSQL as `npm start`, whether or not the service is running at the moment.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { createAccount, rotateAccountKey } from '../db/account.js';
import { connectDatabase } from '../db/client.js';
import { locateDatabase } from '../db/locate-database.js';
import { migrateDatabase } from '../db/migrate.js';
import { parsePublicId, publicId } from '../domain/public-id.js';

const USAGE = `Usage:
  npm run account -- create --name "Acme Spa" [--max-webhooks N] [--json]
  npm run account -- list [--json]
  npm run account -- rotate-key --id <accountId> [--json]      (accountId: acct_…)`;

class UsageError extends Error {}

/** node:util parseArgs, with its own errors (an unknown option, a missing value) turned into usage errors. */
function parseArguments(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        'max-webhooks': { type: 'string' },
        id: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArguments(argv);
  const command = positionals[0];
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // A script that calls the CLI without a command (or with a typo, below) must fail, not print help and succeed.
  if (!command) throw new UsageError('a command is required');
  if (!['create', 'list', 'rotate-key'].includes(command)) throw new UsageError(`unknown command "${command}"`);
  const name = values.name?.trim();
  if (command === 'create' && (!name || name.length > 100)) throw new UsageError('create needs --name of 1–100 characters');
  let maxWebhooks: number | null = null;
  if (values['max-webhooks'] !== undefined) {
    maxWebhooks = Number(values['max-webhooks']);
    if (!Number.isInteger(maxWebhooks) || maxWebhooks < 0) throw new UsageError('--max-webhooks must be a whole number ≥ 0');
  }
  let accountUuid: string | null = null;
  if (command === 'rotate-key') {
    const parsed = values.id ? parsePublicId(values.id) : null;
    if (!parsed || parsed.typename !== 'Account') throw new UsageError('rotate-key needs --id <accountId>, an account ID such as acct_01…');
    accountUuid = parsed.uuid;
  }

  const config = loadConfig(process.env);
  const located = await locateDatabase(config, () => {});
  const db = connectDatabase(located.url, { maxConnections: 2 });
  try {
    await migrateDatabase(located.url);
    if (command === 'create') {
      const { account, apiKey } = await createAccount(db.prisma, { name: name!, maxWebhooks });
      if (values.json) console.log(JSON.stringify({ accountId: publicId('Account', account.id), apiKey }));
      else console.log(`Created account ${account.name}\n  accountId: ${publicId('Account', account.id)}\n  apiKey:    ${apiKey}\nThe API key is shown only now; store it safely.`);
    } else if (command === 'list') {
      const accounts = await db.prisma.account.findMany({
        orderBy: { createdAt: 'asc' },
        select: { id: true, name: true, maxWebhooks: true, createdAt: true, _count: { select: { webhooks: { where: { deletedAt: null } } } } },
      });
      const rows = accounts.map((a) => ({ accountId: publicId('Account', a.id), name: a.name, maxWebhooks: a.maxWebhooks, webhooks: a._count.webhooks, createdAt: a.createdAt.toISOString() }));
      if (values.json) console.log(JSON.stringify(rows));
      else if (rows.length === 0) console.log('No accounts yet.');
      else console.table(rows);
    } else {
      const found = await db.prisma.account.findUnique({ where: { id: accountUuid! } });
      if (!found) throw new UsageError(`no account with id ${values.id}`);
      const { account, apiKey } = await rotateAccountKey(db.prisma, found.id);
      if (values.json) console.log(JSON.stringify({ accountId: publicId('Account', account.id), apiKey }));
      else console.log(`New API key for ${account.name}: ${apiKey}\nThe old key no longer works.`);
    }
  } finally {
    await db.close();
    await located.stop();
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`account: ${error.message}\n${USAGE}`);
    else if (error instanceof ConfigError) console.error(error.message);
    else console.error(`account: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
