// Runs one of our entry points (the account CLI, main.ts) as a real child process, the way an operator would.
import { spawn } from 'node:child_process';

export type ProcessResult = { code: number | null; stdout: string; stderr: string };

/** `node --import tsx <script> ...args`, with `env` as the whole environment; killed after `timeoutMs`. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 100_000): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The test runner's environment without DATABASE_URL, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _databaseUrl, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: 'silent', ...extra };
}
