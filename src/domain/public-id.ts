// Public IDs: one string per entity everywhere — the API and node(id), the `webhook-id` header and the body's
// `event_id` / `webhook_id`, the console, logs and metric labels — so that an ID a receiver logged can be pasted into
// any query (CONTRACT.md, "one ID is one string everywhere"). A type prefix says what the ID is (Stripe and Svix do
// the same); the rest is the row's UUIDv7 as a TypeID suffix (Crockford base32, 26 characters, sorts like the UUID).
// The database keeps the UUID: compact, time-ordered, and the key that history partitions on.
import { fromUUID, parseTypeId, toUUID, type TypeId } from 'typeid-js';

export const PUBLIC_ID_PREFIXES = Object.freeze({
  Account: 'acct',
  Webhook: 'wh',
  Event: 'evt',
  Delivery: 'dlv',
  Restriction: 'whr',
  PortalSession: 'ps',
} as const);

export type PublicIdType = keyof typeof PUBLIC_ID_PREFIXES;

const TYPE_OF_PREFIX: ReadonlyMap<string, PublicIdType> = new Map(
  Object.entries(PUBLIC_ID_PREFIXES).map(([typename, prefix]) => [prefix, typename as PublicIdType]),
);

/** `publicId('Delivery', '0193…')` → `dlv_01jf…`. */
export function publicId(typename: PublicIdType, uuid: string): string {
  return fromUUID(uuid, PUBLIC_ID_PREFIXES[typename]);
}

/** The type and UUID of a public ID, or null when the string is not one (wrong shape, unknown prefix). */
export function parsePublicId(id: string): { typename: PublicIdType; uuid: string } | null {
  // TypeID suffixes are exactly 26 lower-case base32 characters; refuse anything else before the library parses it.
  if (!/^[a-z]{1,8}_[0-7][0-9a-hjkmnp-tv-z]{25}$/.test(id)) return null;
  try {
    const { prefix } = parseTypeId(id as TypeId<string>);
    const typename = TYPE_OF_PREFIX.get(prefix);
    if (!typename) return null;
    return { typename, uuid: toUUID(id as TypeId<string>) };
  } catch {
    return null;
  }
}
