// A catalog that cannot be used: start-up stops with the file, the place in it and why (issue 11).

/** A place in the file as keys and indexes, e.g. `['eventTypes', 3, 'schema']`. */
export type CatalogPath = readonly (string | number)[];

export type CatalogIssue = Readonly<{ path: CatalogPath; message: string; line?: number | undefined }>;

/** `['eventTypes', 3, 'schema', 'properties']` → `eventTypes[3].schema.properties`. */
export function describeCatalogPath(path: CatalogPath): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text === '' ? '(the file)' : text;
}

export class CatalogError extends Error {
  override name = 'CatalogError';

  constructor(
    readonly source: string,
    readonly issues: readonly CatalogIssue[],
  ) {
    const lines = issues.map((issue) => `  ${describeCatalogPath(issue.path)}${issue.line ? ` (line ${issue.line})` : ''}: ${issue.message}`);
    super(`Invalid event catalog ${source} (HOOKSTREAM_CATALOG):\n${lines.join('\n')}`);
  }
}
