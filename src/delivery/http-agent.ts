// The outbound HTTP client: one undici Agent per process (keep-alive pools per origin), whose connections resolve
// host names through a checked lookup. The address that was checked is the address connected to, so a DNS answer
// that changes between the check and the connection (rebinding) cannot reach a private network.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent } from 'undici';
import { checkResolvedAddresses } from '../domain/target-policy.js';

export const BLOCKED_TARGET_CODE = 'EHOOKSTREAM_BLOCKED';

export class BlockedTargetError extends Error {
  readonly code = BLOCKED_TARGET_CODE;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function createCheckedLookup(allowPrivateTargets: boolean) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const check = checkResolvedAddresses(addresses.map((entry) => entry.address), { allowPrivateTargets });
      if (!check.ok) return callback(new BlockedTargetError(`blocked target: ${hostname} resolves to ${check.reason}`), '');
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      const [first] = addresses;
      return first ? callback(null, first.address, first.family) : callback(new BlockedTargetError(`blocked target: ${hostname} has no address`), '');
    });
  };
}

export function createDeliveryAgent(options: { allowPrivateTargets: boolean; connectionsPerOrigin: number; timeoutMs: number }): Agent {
  return new Agent({
    connections: options.connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: options.timeoutMs, lookup: createCheckedLookup(options.allowPrivateTargets) as never },
  });
}
