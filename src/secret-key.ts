// The key that encrypts secrets at rest: HOOKSTREAM_SECRET_KEY, or in development a key generated once into the data
// directory (with a warning: whoever can read that file can read the secrets). Production requires the variable.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from './config.js';
import { parseSecretKey } from './domain/secret-box.js';
import type { Logger } from './logger.js';

export async function loadSecretKey(config: Config, log: Logger): Promise<Buffer> {
  if (config.secretKey) return config.secretKey;
  if (config.isProduction) throw new Error('HOOKSTREAM_SECRET_KEY is required in production (32 bytes, hex or base64: `openssl rand -base64 32`)');
  const file = resolve(config.dataDir, 'secret.key');
  await mkdir(config.dataDir, { recursive: true });
  try {
    // `wx`: of several processes starting at once, one writes the key and the others read it.
    await writeFile(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    log.warn({ file }, 'HOOKSTREAM_SECRET_KEY is unset: generated a development key into the data directory');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    log.warn({ file }, 'HOOKSTREAM_SECRET_KEY is unset: using the development key in the data directory');
  }
  for (let tries = 0; ; tries++) {
    const text = await readFile(file, 'utf8');
    if (text.trim() || tries > 20) return parseSecretKey(text);
    await new Promise((done) => setTimeout(done, 25)); // written a moment ago by another process
  }
}
