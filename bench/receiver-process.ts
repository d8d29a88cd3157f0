// The receiver as a child process (see receiver.ts): its own event loop and CPU time, apart from the load generator.
// Arrivals go to the parent over IPC in batches, stamped here with the shared monotonic clock.
import type { AddressInfo } from 'node:net';
import { createReceiverServer, startLoopDelayMonitor, takeLoopDelay, type Arrival, type ReceiverMessage } from './receiver.js';

const send = (message: ReceiverMessage) => process.send?.(message);
let pending: Arrival[] = [];
const flush = () => {
  if (pending.length === 0) return;
  send({ type: 'arrivals', arrivals: pending });
  pending = [];
};
const flushTimer = setInterval(flush, 5);

const server = createReceiverServer((arrival) => pending.push(arrival));
const loop = startLoopDelayMonitor();
server.listen(0, '127.0.0.1', () => send({ type: 'listening', port: (server.address() as AddressInfo).port }));

process.on('message', (message: { type: string }) => {
  if (message.type === 'loop-delay') return void send({ type: 'loop-delay', delay: takeLoopDelay(loop) });
  if (message.type !== 'close') return;
  loop.disable();
  clearInterval(flushTimer);
  flush();
  server.closeAllConnections();
  server.close(() => {
    send({ type: 'closed' });
    process.disconnect?.();
  });
});
// The parent went away (killed): do not linger.
process.on('disconnect', () => process.exit(0));
