// A portal session's live subscriptions (graphql-ws and SSE) end when the session expires or is revoked. Per process
// there is one watch per session with something open: a timer at its expiry, and a look at its row every
// SESSION_RECHECK_MS for a revocation, which may come from any api process. Nothing is watched for API keys.
import type pg from 'pg';
import type { Context, SessionGrant } from '../context.js';
import { isSessionLive } from '../db/portal-session.js';

/** How long a revocation may take to close what a session has open (a request made after it is refused at once). */
export const SESSION_RECHECK_MS = 1000;

// setTimeout's longest delay; a later expiry is caught by the recheck instead.
const MAX_TIMER_MS = 2 ** 31 - 1;

type Watch = { listeners: Set<() => void>; end(): void; stop(): void };

// Keyed by pool, so that the several apps a test process may run never share a watch.
const watchesByPool = new WeakMap<pg.Pool, Map<string, Watch>>();

/**
 * Calls `onEnd` once when the session expires or is revoked; returns the function that stops watching. Every watcher
 * of one session in this process shares its timer and its recheck.
 */
export function watchSession(pool: pg.Pool, session: SessionGrant, onEnd: () => void): () => void {
  if (session.expiresAt.getTime() <= Date.now()) {
    queueMicrotask(onEnd);
    return () => {};
  }
  let watches = watchesByPool.get(pool);
  if (!watches) watchesByPool.set(pool, (watches = new Map()));
  let watch = watches.get(session.id);
  if (!watch) {
    const listeners = new Set<() => void>();
    const end = () => {
      stop();
      for (const listener of [...listeners]) listener();
    };
    const expiryTimer = session.expiresAt.getTime() - Date.now() <= MAX_TIMER_MS ? setTimeout(end, session.expiresAt.getTime() - Date.now()) : null;
    let checking = false;
    const recheck = setInterval(() => {
      if (checking) return;
      checking = true;
      // A database that does not answer ends nothing: the next answer decides.
      isSessionLive(pool, session.id)
        .then((live) => (live ? undefined : end()), () => undefined)
        .finally(() => (checking = false));
    }, SESSION_RECHECK_MS);
    expiryTimer?.unref();
    recheck.unref();
    const stop = () => {
      if (expiryTimer) clearTimeout(expiryTimer);
      clearInterval(recheck);
      if (watches!.get(session.id) === watch) watches!.delete(session.id);
    };
    watch = { listeners, end, stop };
    watches.set(session.id, watch);
  }
  const current = watch;
  let called = false;
  const listener = () => {
    if (called) return;
    called = true;
    current.listeners.delete(listener);
    onEnd();
  };
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0) current.stop();
  };
}

/** A revocation made in this process closes what the session has open here at once (other processes: the recheck). */
export function endWatchedSession(pool: pg.Pool, sessionId: string): void {
  watchesByPool.get(pool)?.get(sessionId)?.end();
}

/**
 * A subscription's source that completes when the caller's portal session ends (for an API key, the source itself).
 * The pending next() settles at once, as done: yoga then ends an SSE stream and graphql-ws sends `complete`.
 */
export function endWhenSessionEnds<T>(ctx: Pick<Context, 'db' | 'session'>, source: AsyncIterable<T>): AsyncIterable<T> {
  const session = ctx.session;
  if (!session) return source;
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  let wake: (() => void) | null = null;
  const endedSignal = new Promise<void>((resolve) => (wake = resolve));
  const unwatch = watchSession(ctx.db.pool, session, () => {
    ended = true;
    wake?.();
    void iterator.return?.();
  });
  const done = (): IteratorResult<T> => ({ done: true, value: undefined as T });
  return {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          if (ended) return done();
          const result = await Promise.race([iterator.next(), endedSignal.then(done)]);
          if (result.done) unwatch();
          return ended ? done() : result;
        },
        async return() {
          unwatch();
          await iterator.return?.();
          return done();
        },
        async throw(error?: unknown) {
          unwatch();
          if (iterator.throw) return iterator.throw(error);
          throw error;
        },
      };
    },
  };
}
