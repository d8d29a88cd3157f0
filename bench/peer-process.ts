// A peer's worker as a process of its own (like the service), so that its CPU time is its own and not the load
// generator's: `peer-process.ts <pgboss|graphile> <databaseUrl> <receiverPort> <path>`. It prepares (migrates, creates
// its queue) and says `ready`; it starts working on `start` and stops on `stop`, so it polls nothing outside its run.
import { createSignedPoster, type PeerKind } from './peer-delivery.js';
import { prepareGraphileWorker } from './peer-graphile.js';
import { preparePgBossWorker } from './peer-pgboss.js';

export type PeerMessage = { type: 'ready' } | { type: 'started' } | { type: 'stopped' } | { type: 'error'; message: string };

const [kind, databaseUrl, receiverPort, path] = process.argv.slice(2) as [PeerKind, string, string, string];
const send = (message: PeerMessage) => process.send?.(message);
// Reported once per distinct message: a failing receiver or database would otherwise flood the IPC channel.
const reported = new Set<string>();
const onError = (error: Error) => {
  if (reported.size < 20 && !reported.has(error.message)) reported.add(error.message), send({ type: 'error', message: error.message });
};

const poster = createSignedPoster(Number(receiverPort), path);
const prepare = kind === 'pgboss' ? preparePgBossWorker : prepareGraphileWorker;
const worker = await prepare(databaseUrl, poster, onError);
process.on('message', (message: { type: string }) => {
  if (message.type === 'start') void worker.start().then(() => send({ type: 'started' }), (error: Error) => onError(error));
  if (message.type === 'stop') {
    void worker
      .stop()
      .catch(onError)
      .then(() => poster.close())
      .finally(() => {
        send({ type: 'stopped' });
        process.disconnect?.();
        process.exit(0);
      });
  }
});
// The parent went away (killed): do not linger.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
