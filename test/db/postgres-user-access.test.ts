// As root the embedded PostgreSQL runs as the `postgres` user; a directory above its binaries or its data that the
// user cannot enter must be named in a clear error before anything is written (not a crash inside initdb).
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { assertPostgresUserCanReach, directoriesAbove, firstClosedDirectory } from '../../src/db/postgres-user-access.js';

describe('directoriesAbove', () => {
  it.each([
    ['/srv/hookstream/.data/pg', ['/', '/srv', '/srv/hookstream', '/srv/hookstream/.data']],
    ['/pg', ['/']],
    ['/', ['/']],
  ])('%s', (path, expected) => {
    expect(directoriesAbove(path)).toEqual(expected);
  });
});

describe('firstClosedDirectory', () => {
  const postgres = { uid: 999, gid: 998 };
  const dir = (path: string, mode: number, uid = 0, gid = 0) => ({ path, mode: 0o040000 | mode, uid, gid });
  it.each([
    ['all enterable', [dir('/', 0o755), dir('/srv', 0o755), dir('/srv/h', 0o711)], postgres, null],
    ['a home directory', [dir('/', 0o755), dir('/root', 0o700), dir('/root/h', 0o755)], postgres, '/root'],
    ['mktemp -d', [dir('/', 0o755), dir('/tmp', 0o1777), dir('/tmp/tmp.x', 0o700)], postgres, '/tmp/tmp.x'],
    ['readable but not enterable', [dir('/', 0o755), dir('/srv', 0o754)], postgres, '/srv'],
    ['the first of two', [dir('/', 0o755), dir('/a', 0o750), dir('/a/b', 0o700)], postgres, '/a'],
    ['closed to others, open to its group postgres', [dir('/', 0o755), dir('/srv', 0o750, 0, 998)], postgres, null],
    ['closed to others, owned by postgres', [dir('/', 0o755), dir('/srv', 0o700, 999, 0)], postgres, null],
    ['owned by postgres without u+x', [dir('/', 0o755), dir('/srv', 0o601, 999, 0)], postgres, '/srv'],
    ['no postgres user yet: others only', [dir('/', 0o755), dir('/srv', 0o750, 0, 998)], null, '/srv'],
  ])('%s', (_name, dirs, user, expected) => {
    expect(firstClosedDirectory(dirs, user)?.path ?? null).toBe(expected);
  });
});

describe('assertPostgresUserCanReach', () => {
  let closed: string | undefined;
  afterAll(async () => {
    if (closed) await rm(closed, { recursive: true, force: true });
  });

  it('checks nothing when not root', () => {
    expect(() => assertPostgresUserCanReach(['/root/anything/pg'], false)).not.toThrow();
  });

  it.skipIf(userInfo().uid !== 0)('as root, refuses a data directory under a closed one before writing anything', async () => {
    closed = await mkdtemp(join(tmpdir(), 'hookstream-closed-')); // mode 0700, as mktemp -d makes it
    await chmod(closed, 0o700);
    const dataDir = join(closed, 'data');
    const opening = openEmbeddedPostgres({ dataDir, persistent: false });
    await expect(opening).rejects.toThrow(`cannot enter ${closed} (mode 0700), above ${join(dataDir, 'pg')}`);
    await expect(opening).rejects.toThrow('set DATABASE_URL');
    expect(existsSync(dataDir)).toBe(false);
  });
});
