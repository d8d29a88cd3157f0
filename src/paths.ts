// Where the project's own files are (migrations, catalog presets, the console's build, the transform worker):
// found from the package root, so that the service reads them the same whether it runs from src/ through tsx or as
// compiled JavaScript from dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'hookstream') return directory;
    if (dirname(directory) === directory) throw new Error(`no hookstream package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, e.g. projectPath('prisma', 'migrations'). */
export const projectPath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
