// Every way a catalog file can be wrong stops start-up with the file, the place in it and why (issue 11). The last
// test runs the real entry point (`node --import tsx src/main.ts`) on a broken file: exit 1 and the message.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/catalog/catalog-error.js';
import { loadCatalog, parseCatalog } from '../../src/catalog/load-catalog.js';

const directory = mkdtempSync(join(tmpdir(), 'hookstream-catalog-'));
let fileCount = 0;
function writeCatalog(text: string, extension = 'yaml'): string {
  const path = join(directory, `catalog-${++fileCount}.${extension}`);
  writeFileSync(path, text);
  return path;
}

/** The CatalogError a load throws. */
function loadError(path: string): CatalogError {
  try {
    loadCatalog(path);
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    return error as CatalogError;
  }
  throw new Error(`${path} loaded`);
}

const type = (overrides: Record<string, unknown> = {}) => ({
  name: 'booking.new',
  category: 'booking',
  description: 'A booking was made.',
  schema: { type: 'object', required: ['bookingId'], properties: { bookingId: { type: 'integer' } } },
  example: { bookingId: 1 },
  ...overrides,
});
const file = (overrides: Record<string, unknown> = {}) => JSON.stringify({ eventTypes: [type()], ...overrides }, null, 2);

describe('a good file', () => {
  it('loads from JSON and YAML alike, relative paths from the working directory', () => {
    expect(loadCatalog(writeCatalog(file(), 'json')).isType('booking.new')).toBe(true);
    const yaml = writeCatalog('eventTypes:\n  - name: booking.new\n    category: booking\n    description: A booking.\n    schema: { type: object }\n    example: {}\n');
    expect(loadCatalog(yaml.slice(directory.length + 1), { cwd: directory }).eventType('booking.new')?.deprecated).toBe(false);
  });

  it('keeps a deprecated type, and a JSON pointer escapes ~ and / in keys', () => {
    const catalog = loadCatalog(writeCatalog(file({ eventTypes: [type({ deprecated: true, schema: { type: 'object', required: ['a/b~c'] }, example: { 'a/b~c': 1 } })] })));
    expect(catalog.eventType('booking.new')?.deprecated).toBe(true);
    expect(catalog.validateData('booking.new', {})).toEqual({ path: '/a~1b~0c', message: 'data["a/b~c"] is required but missing.' });
  });
});

describe('every catalog-file error names the file, the place and why', () => {
  const cases: { name: string; text: string; extension?: string; place: string; why: RegExp; line?: number }[] = [
    { name: 'YAML that does not parse', text: 'eventTypes:\n  - name: [booking.new\n', place: '(the file)', why: /flow sequence|Missing|must|end/i },
    { name: 'JSON that does not parse', text: '{ "eventTypes": [ }', extension: 'json', place: '(the file)', why: /./ },
    { name: 'an empty file', text: '', place: '(the file)', why: /the file is empty/ },
    { name: 'a list instead of a mapping', text: '- a\n- b\n', place: '(the file)', why: /must be a mapping with eventTypes/ },
    { name: 'an unknown top-level key', text: file({ evenTypes: [] }), place: 'evenTypes', why: /is not a key of a catalog file .*"x-"/ },
    { name: 'no event types', text: file({ eventTypes: [] }), place: 'eventTypes', why: /at least one event type/ },
    { name: 'a type without a schema', text: JSON.stringify({ eventTypes: [{ ...type(), schema: undefined }] }), place: 'eventTypes[0].schema', why: /is required/ },
    { name: 'a type name with a wildcard', text: file({ eventTypes: [type({ name: 'booking.*' })] }), place: 'eventTypes[0].name', why: /joined by dots/ },
    { name: 'a category with a dot', text: file({ eventTypes: [type({ category: 'booking.stay' })] }), place: 'eventTypes[0].category', why: /one word/ },
    { name: 'an unquoted YAML version', text: 'eventTypes:\n  - name: a.b\n    category: a\n    description: d\n    version: 2.0\n    schema: {}\n    example: {}\n', place: 'eventTypes[0].version', why: /quote it in YAML/, line: 5 },
    { name: 'a misspelt key of a type', text: file({ eventTypes: [{ ...type(), exmaple: {} }] }), place: 'eventTypes[0]', why: /exmaple/ },
    { name: 'the same type twice', text: file({ eventTypes: [type(), type({ description: 'again' })] }), place: 'eventTypes[1].name', why: /already defined at eventTypes\[0\]/ },
    { name: "Hookstream's own name", text: file({ eventTypes: [type({ name: 'hookstream.webhook.failing', category: 'ops' })] }), place: 'eventTypes[0].name', why: /reserved/ },
    { name: "Hookstream's own category", text: file({ eventTypes: [type({ name: 'webhook.ping', category: 'webhook' })] }), place: 'eventTypes[0].category', why: /reserved/ },
    { name: 'a schema that is not JSON Schema', text: file({ eventTypes: [type({ schema: { type: 'objec' } })] }), place: 'eventTypes[0].schema.type', why: /not a valid JSON Schema \(2020-12\): schema\.type must be one of "array", "boolean"/ },
    { name: 'a schema keyword misspelt', text: file({ eventTypes: [type({ schema: { type: 'object', requried: ['bookingId'] } })] }), place: 'eventTypes[0].schema', why: /does not compile: strict mode: unknown keyword: "requried"/ },
    { name: 'a schema with an unknown format', text: file({ eventTypes: [type({ schema: { type: 'string', format: 'booking-date' }, example: {} })] }), place: 'eventTypes[0].schema', why: /unknown format "booking-date"/ },
    { name: 'a $ref that leads nowhere', text: file({ eventTypes: [type({ schema: { $ref: '#/$defs/booking' } })] }), place: 'eventTypes[0].schema', why: /can't resolve reference/ },
    { name: 'an example that fails its schema', text: file({ eventTypes: [type({ example: { bookingId: '26006' } })] }), place: 'eventTypes[0].example.bookingId', why: /does not pass the type's schema: example\.bookingId must be an integer, not the string "26006"/ },
    { name: 'an example missing a required field', text: file({ eventTypes: [type({ example: {} })] }), place: 'eventTypes[0].example.bookingId', why: /example\.bookingId is required but missing/ },
    { name: 'an ordering key the example lacks', text: file({ eventTypes: [type({ orderingKey: 'booking.id' })] }), place: 'eventTypes[0].orderingKey', why: /no string or number at "booking.id"/ },
    { name: 'an ordering key that is no path', text: file({ eventTypes: [type({ orderingKey: 'rooms[0]' })] }), place: 'eventTypes[0].orderingKey', why: /path into data/ },
    { name: 'a dimension of an unknown category', text: file({ contextDimensions: [{ name: 'property', description: 'p', categories: ['bookings'], path: 'propertyId' }] }), place: 'contextDimensions[0].categories[0]', why: /"bookings" is not a category of any event type here \(they are: booking\)/ },
    { name: 'a dimension name in capitals', text: file({ contextDimensions: [{ name: 'Property', description: 'p', categories: ['*'] }] }), place: 'contextDimensions[0].name', why: /lower case/ },
    { name: 'the same dimension twice', text: file({ contextDimensions: [{ name: 'property', description: 'p', categories: ['*'] }, { name: 'property', description: 'q', categories: ['booking'] }] }), place: 'contextDimensions[1].name', why: /already defined/ },
  ];

  it.each(cases)('$name → $place', ({ text, extension, place, why, line }) => {
    const path = writeCatalog(text, extension);
    const error = loadError(path);
    console.log(error.message);
    expect(error.message).toContain(path);
    expect(error.message).toContain(`  ${place}`);
    expect(error.message).toMatch(why);
    if (line) expect(error.message).toContain(`(line ${line})`);
  });

  it('gives the line of the place in a YAML file', () => {
    const path = writeCatalog('eventTypes:\n  - name: booking.new\n    category: booking\n    description: A booking.\n    schema:\n      type: object\n      requried: [bookingId]\n    example: {}\n');
    expect(loadError(path).message).toContain('eventTypes[0].schema (line 6): does not compile');
  });

  it('lists every problem, not only the first', () => {
    const error = loadError(writeCatalog(file({ eventTypes: [type({ example: {} }), type({ name: 'webhook.test' })] })));
    expect(error.issues.map((issue) => issue.path.join('.'))).toEqual(['eventTypes.1.name', 'eventTypes.0.example.bookingId']);
  });

  it('a name that is neither a preset nor a file', () => {
    const error = loadError('sirvoi');
    expect(error.message).toMatch(/"sirvoi" is neither a preset \(anny, calenso, sirvoy, channex, zenoti\) nor a catalog file/);
  });

  it('a path that does not exist', () => {
    expect(loadError(join(directory, 'missing.yaml')).message).toMatch(/missing\.yaml[\s\S]*cannot read the file: no such file/);
  });

  it('an alias bomb is refused instead of expanding', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, index) => `${String.fromCharCode(98 + index)}: &${String.fromCharCode(98 + index)} [${Array(10).fill(`*${String.fromCharCode(97 + index)}`).join(', ')}]`)].join('\n');
    expect(() => parseCatalog(`${bomb}\neventTypes: []\n`, 'bomb.yaml')).toThrow(CatalogError);
  });
});

describe('start-up', () => {
  it('node --import tsx src/main.ts with a broken catalog file: exit code 1 and the message, before any database starts', async () => {
    const path = writeCatalog(file({ eventTypes: [type({ example: { bookingId: 'one' } })] }));
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env['PATH'], HOOKSTREAM_CATALOG: path, HOOKSTREAM_DATA_DIR: join(directory, 'data'), PORT: '0', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    console.log(`exit ${code} after ${Date.now() - started} ms:\n${stderr}`);
    expect(code).toBe(1);
    expect(stderr).toContain(`Invalid event catalog ${path} (HOOKSTREAM_CATALOG):`);
    expect(stderr).toContain('eventTypes[0].example.bookingId');
    expect(stderr).toContain('example.bookingId must be an integer, not the string "one"');
  });
});
