// The outbox CLI, run against the platform's own PostgreSQL:
//   npm run outbox -- install --database-url URL     creates hookstream_outbox and hookstream_publish() (idempotent)
//   npm run outbox -- install --print                prints that SQL instead, for platforms that run their own migrations
import { parseArgs } from 'node:util';
import { installOutbox } from '../outbox/install.js';
import { outboxInstallSql } from '../outbox/sql.js';

const USAGE = `Usage:
  npm run outbox -- install --database-url postgres://…   create hookstream_outbox and hookstream_publish() (safe to run again)
  npm run outbox -- install --print                       print the SQL instead of applying it`;

class UsageError extends Error {}

function parseArguments(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'database-url': { type: 'string' },
        print: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArguments(argv);
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const command = positionals[0];
  if (!command) throw new UsageError('a command is required');
  if (command !== 'install') throw new UsageError(`unknown command "${command}"`);
  if (values.print) {
    process.stdout.write(outboxInstallSql());
    return;
  }
  const databaseUrl = values['database-url'];
  // The platform's database, never Hookstream's own: no DATABASE_URL fallback, so nothing lands in the wrong place.
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError('install needs --database-url postgres://… (the platform\'s database) or --print');
  await installOutbox(databaseUrl);
  console.log(`hookstream_outbox and hookstream_publish() are installed in ${describe(databaseUrl)}.`);
}

/** The URL without its password, for the message. */
function describe(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.password = '';
  return url.toString();
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`outbox: ${error.message}\n${USAGE}`);
    else console.error(`outbox: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
