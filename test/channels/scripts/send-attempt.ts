// Child-process half of http-extra-ca.test.ts: one HTTP-channel attempt with Node's default CA store (no `ca`
// option), printed as JSON. Usage: send-attempt.ts <url> <host> <address>; <host> resolves to <address>.
import { createHttpChannel } from '../../../src/delivery/channels/http.js';
import { prepareAttempt, staticLookup } from '../../helpers/attempt.js';

const [url, host, address] = process.argv.slice(2) as [string, string, string];
const channel = createHttpChannel({ allowPrivateTargets: true, connectionsPerOrigin: 1, timeoutMs: 5_000, lookup: staticLookup({ [host]: address }) });
const outcome = await channel.send(prepareAttempt({ url }));
await channel.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
