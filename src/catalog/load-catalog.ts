// HOOKSTREAM_CATALOG → the Catalog: a preset name (`catalogs/<name>.yaml`, shipped with the project) or the path of a
// catalog file, JSON or YAML. Read, parsed and checked once at start-up; any problem is a CatalogError naming the
// file, the place in it (with its line) and why, and start-up stops (main.ts prints it and exits 1).
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { createCatalog, type Catalog } from './catalog.js';
import { CatalogError, type CatalogIssue, type CatalogPath } from './catalog-error.js';
import { catalogFileSchema } from './catalog-file.js';
import { projectPath } from '../paths.js';

/** The presets shipped in catalogs/: anny (the default) and the four other platforms whose pages we studied. */
export const CATALOG_PRESETS = Object.freeze(['anny', 'calenso', 'sirvoy', 'channex', 'zenoti'] as const);
export type CatalogPreset = (typeof CATALOG_PRESETS)[number];

export const PRESETS_DIRECTORY = `${projectPath('catalogs')}/`;

/** The file of a preset. */
export function presetPath(preset: CatalogPreset): string {
  return resolve(PRESETS_DIRECTORY, `${preset}.yaml`);
}

/** A preset name's file, or the path itself (relative to `cwd`). */
export function resolveCatalogSource(value: string, cwd = process.cwd()): string {
  if ((CATALOG_PRESETS as readonly string[]).includes(value)) return presetPath(value as CatalogPreset);
  return isAbsolute(value) ? value : resolve(cwd, value);
}

/** Parses and checks the text of a catalog file; `source` names it in errors. */
export function parseCatalog(text: string, source: string): Catalog {
  if (source.endsWith('.json')) {
    // JSON's own words for a JSON file's syntax error (the YAML parser would describe it as YAML).
    try {
      JSON.parse(text);
    } catch (error) {
      throw new CatalogError(source, [{ path: [], message: `not valid JSON: ${(error as Error).message}` }]);
    }
  }
  // JSON is YAML too, so one parser reads both and gives every place in the file its line.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new CatalogError(source, document.errors.map((error) => ({
        path: [],
        // yaml's first line says where ("… at line 20, column 71:"); the line goes beside the place instead.
        message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
        line: error.linePos?.[0]?.line,
      })));
  }
  const locate = (path: CatalogPath): number | undefined => {
    const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  let content: unknown;
  try {
    // A bounded number of aliases: a "billion laughs" file cannot blow up start-up.
    content = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    throw new CatalogError(source, [{ path: [], message: (error as Error).message }]);
  }
  const parsed = catalogFileSchema.safeParse(content);
  if (!parsed.success) {
    const issues: CatalogIssue[] = parsed.error.issues.map((issue) => {
      const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
      return { path, message: issue.message, line: locate(path) };
    });
    throw new CatalogError(source, issues);
  }
  return createCatalog(parsed.data, source, locate);
}

/** Loads HOOKSTREAM_CATALOG's catalog (config.catalog): a preset name or a file path. */
export function loadCatalog(value: string, options: { cwd?: string } = {}): Catalog {
  const source = resolveCatalogSource(value, options.cwd);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    const looksLikeName = !/[./\\]/.test(value);
    throw new CatalogError(source, [
      {
        path: [],
        message: looksLikeName
          ? `"${value}" is neither a preset (${CATALOG_PRESETS.join(', ')}) nor a catalog file (${reason})`
          : `cannot read the file: ${reason}`,
      },
    ]);
  }
  return parseCatalog(text, source);
}
