// The SDK as a platform gets it: `npm pack` of sdk/ (its prepack builds dist/ with tsc), installed into an empty
// project outside this repository, so that nothing of ours (no node_modules up the tree) can stand in for what the
// package fails to declare.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SDK_DIR = resolve('sdk');

export type CommandResult = { code: number | null; stdout: string; stderr: string };

/** Runs a command without blocking this process's event loop (the service under test runs in it). */
export function runCommand(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Throws with the command's output unless it exited 0. */
export async function runOrThrow(command: string, args: readonly string[], options: Parameters<typeof runCommand>[2]): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** An environment for npm and node children: the runner's PATH and HOME (npm's cache), nothing of the service's. */
export function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, npm_config_cache } = process.env;
  return { ...(PATH ? { PATH } : {}), ...(HOME ? { HOME } : {}), ...(TMPDIR ? { TMPDIR } : {}), ...(npm_config_cache ? { npm_config_cache } : {}), ...extra };
}

/** `npm pack` of sdk/ into a fresh directory; resolves with the tarball's path and what it holds. */
export async function packSdk(): Promise<{ tarball: string; files: string[] }> {
  const destination = await mkdtemp(join(tmpdir(), 'hookstream-sdk-pack-'));
  const { stdout } = await runOrThrow('npm', ['pack', '--json', '--pack-destination', destination], { cwd: SDK_DIR, env: plainEnv() });
  // prepack's own output (tsc) may come before npm's JSON.
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(destination, packed!.filename), files: packed!.files.map((file) => file.path) };
}

/** A project with nothing in it but `package.json`, then the tarball installed from it (its dependencies from npm). */
export async function installIntoEmptyProject(tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hookstream-sdk-consumer-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'platform-backend', private: true, type: 'module' }, null, 2));
  await runOrThrow('npm', ['install', tarball, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: plainEnv() });
  return dir;
}
