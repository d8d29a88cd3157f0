// Checks connection arguments before Pothos and Prisma see them, so that a bad page size or a malformed or foreign
// cursor is a clear BAD_USER_INPUT rather than a masked internal error.
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import type { GraphQLFieldResolver } from 'graphql';
import type { Context } from '../context.js';
import { isUuid } from '../db/ids.js';
import { badInput } from '../errors.js';
import { MAX_PAGE_SIZE } from './builder.js';

export type ConnectionArgs = {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
};

/**
 * Throws BAD_USER_INPUT for page sizes outside 0–100, for cursors that are not ours, and (through `ownsRow`) for
 * cursors pointing at a row the caller cannot see. Returns nothing: the arguments go on to Pothos unchanged.
 */
export async function checkConnectionArgs(args: ConnectionArgs, ownsRow: (id: string) => Promise<boolean>): Promise<void> {
  for (const field of ['first', 'last'] as const) {
    const size = args[field];
    if (size != null && (size < 0 || size > MAX_PAGE_SIZE)) {
      throw badInput(field, `"${field}" must be between 0 and ${MAX_PAGE_SIZE}.`);
    }
  }
  if (args.first != null && args.last != null) throw badInput('last', '"first" and "last" cannot be combined.');
  if (args.after != null && args.before != null) throw badInput('before', '"after" and "before" cannot be combined.');
  if (args.first != null && args.before != null) throw badInput('before', '"before" goes with "last", not "first".');
  if (args.last != null && args.after != null) throw badInput('after', '"after" goes with "first", not "last".');
  for (const field of ['after', 'before'] as const) {
    const cursor = args[field];
    if (cursor == null) continue;
    const id = decodeRowCursor(cursor, field);
    if (!(await ownsRow(id))) throw badInput(field, `"${field}" is not a cursor of this list.`);
  }
}

export function decodeRowCursor(cursor: string, field: string): string {
  let id: unknown;
  try {
    id = parsePrismaCursor(cursor);
  } catch {
    throw badInput(field, `"${field}" is not a valid cursor.`);
  }
  if (typeof id !== 'string' || !isUuid(id)) throw badInput(field, `"${field}" is not a valid cursor.`);
  return id;
}

type ResolverConfig = { resolve?: GraphQLFieldResolver<unknown, Context, any> };

/**
 * Runs checkConnectionArgs before a `prismaConnection` field's resolver. Pothos parses the page size and the cursor
 * before it calls the resolver we hand it, and its own errors for `first: -1` or a malformed cursor name no field, so
 * the check must wrap the field's whole resolver rather than sit inside ours.
 */
export function checkConnectionArgsFirst<Ref extends { updateConfig(update: (config: any) => any): void }>(
  fieldRef: Ref,
  ownsRow: (id: string, ctx: Context) => Promise<boolean>,
): Ref {
  fieldRef.updateConfig((config: ResolverConfig) => {
    const resolve = config.resolve;
    if (!resolve) return config;
    return {
      ...config,
      resolve: async (parent: unknown, args: ConnectionArgs, ctx: Context, info: Parameters<typeof resolve>[3]) => {
        await checkConnectionArgs(args, (id) => ownsRow(id, ctx));
        return resolve(parent, args, ctx, info);
      },
    };
  });
  return fieldRef;
}

const cursorRowsByRequest = new WeakMap<Context, Map<string, Promise<Date | null>>>();

/**
 * The createdAt of a cursor's row if it is the caller's (null otherwise), read once per request: the cursor check
 * (ownership) asks it. Positions are the ids themselves (UUIDv7, time-ordered; lists are ordered by id).
 */
export function cursorCreatedAt(ctx: Context, model: string, load: (id: string) => Promise<Date | null>): (id: string) => Promise<Date | null> {
  return (id) => {
    let rows = cursorRowsByRequest.get(ctx);
    if (!rows) cursorRowsByRequest.set(ctx, (rows = new Map()));
    const key = `${model}:${id}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = load(id)));
    return row;
  };
}
