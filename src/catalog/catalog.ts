// The platform's event catalog as one object with a small, pure API: what the GraphQL layer validates against and
// what the engine asks at publish (matching, restrictions, ordering keys). Built once at start-up from a checked
// catalog file (load-catalog.ts); every schema is compiled here, once, and every example checked against it.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { idToString, parseDataPath, readDataPath } from '../domain/data-path.js';
import {
  categoriesCovered,
  checkEventPattern,
  eventMatches,
  OPERATIONAL_CATEGORY,
  type PatternIndex,
} from '../domain/event-match.js';
import { passesRestrictions, type ContextRef, type DimensionRule, type Restriction } from '../domain/restrictions.js';
import { OPERATIONAL_TYPES, RESERVED_CATEGORIES, WEBHOOK_TEST_TYPE } from './builtin-types.js';
import { CatalogError, type CatalogIssue, type CatalogPath } from './catalog-error.js';
import type { CatalogFile, CatalogFileEventType } from './catalog-file.js';
import { toDataViolation, type DataViolation } from './data-violation.js';

export type { DataViolation } from './data-violation.js';
export type { ContextRef, Restriction } from '../domain/restrictions.js';

export type JsonObject = { readonly [key: string]: unknown };

export type CatalogEventType = Readonly<{
  name: string;
  category: string;
  description: string;
  version: string | null;
  deprecated: boolean;
  /** JSON Schema (2020-12) of `data`. */
  schema: JsonObject;
  /** A `data` that passes `schema`. */
  example: JsonObject;
  /** Path into data of the default ordering key (e.g. `id`), or null. */
  orderingKey: string | null;
  /** Published by Hookstream itself (`hookstream.*`): `*` never matches it, publishEvent refuses it. */
  operational: boolean;
}>;

export type ContextDimension = Readonly<{
  name: string;
  description: string;
  /** The categories whose events it filters (`*` in the file already expanded). */
  categories: readonly string[];
  /** Where in data its id is found by default (e.g. `resource.id`), or null: only from context. */
  path: string | null;
}>;

export type RestrictionCheck = Readonly<{
  eventType: string;
  restrictions: readonly Restriction[];
  /** The publisher's context refs; null or empty: each dimension's default place in data stands in. */
  context: readonly ContextRef[] | null | undefined;
  data: unknown;
}>;

export interface Catalog {
  /** The file it was loaded from (a preset's path for presets). */
  readonly source: string;
  /** The platform's name, when the file gives one. */
  readonly platform: string | null;
  /** The file's types in its order, then `webhook.test`, then the operational `hookstream.*` types. */
  readonly eventTypes: readonly CatalogEventType[];
  /** Categories in the order their first type appears. */
  readonly categories: readonly string[];
  readonly dimensions: readonly ContextDimension[];
  isType(name: string): boolean;
  eventType(name: string): CatalogEventType | undefined;
  dimension(name: string): ContextDimension | undefined;
  /** Null for a catalog type, `<category>.*` or `*`; otherwise why the pattern is refused (a sentence fragment). */
  checkPattern(pattern: string): string | null;
  /** True when the patterns cover `type`. `*` does not cover `hookstream.*`: operational events go only to webhooks that name them. */
  matches(patterns: readonly string[], type: string): boolean;
  /** The catalog's types the patterns cover, in catalog order. */
  typesMatching(patterns: readonly string[]): readonly CatalogEventType[];
  /** Null when `data` passes the type's schema; otherwise the JSON pointer of the first offending value and why. */
  validateData(type: string, data: unknown): DataViolation | null;
  /** The dimensions that apply to some type the patterns cover: what a webhook with those events may restrict by. */
  dimensionsFor(patterns: readonly string[]): readonly ContextDimension[];
  /** Null when a webhook with these events may have a restriction on `dimension`; otherwise why not. */
  checkRestrictionDimension(dimension: string, patterns: readonly string[]): string | null;
  /** True when the event may go to a webhook with these restrictions (see domain/restrictions.ts). */
  passesRestrictions(check: RestrictionCheck): boolean;
  /** The default ordering key of an event: the value at the type's orderingKey path, as a string; null without one. */
  orderingKeyOf(type: string, data: unknown): string | null;
}

/** The ajv instance of one catalog: formats on, strict about unknown keywords (a typo must not pass silently). */
function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: false,
    strict: false,
    strictSchema: true,
    validateFormats: true,
    // Each type's schema stands alone: two types may reuse one `$id` without clashing.
    addUsedSchema: false,
  });
  addFormats.default(ajv);
  return ajv;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const pointerKeys = (pointer: string): string[] => (pointer === '' ? [] : pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~')));

/** Rules between entries that zod's per-entry shape cannot see: unique names, reserved names, known categories. */
function checkCrossReferences(file: CatalogFile, issues: CatalogIssue[]): void {
  const firstIndexOfType = new Map<string, number>();
  file.eventTypes.forEach((type, index) => {
    const earlier = firstIndexOfType.get(type.name);
    if (earlier !== undefined) issues.push({ path: ['eventTypes', index, 'name'], message: `"${type.name}" is already defined at eventTypes[${earlier}]` });
    else firstIndexOfType.set(type.name, index);
    if (RESERVED_CATEGORIES.has(type.category)) {
      issues.push({ path: ['eventTypes', index, 'category'], message: `"${type.category}" is reserved: Hookstream adds webhook.test and the hookstream.* events to every catalog itself` });
    }
    if (type.name === WEBHOOK_TEST_TYPE.name || type.name.startsWith(`${OPERATIONAL_CATEGORY}.`)) {
      issues.push({ path: ['eventTypes', index, 'name'], message: `"${type.name}" is reserved: Hookstream adds webhook.test and the hookstream.* events to every catalog itself` });
    }
  });
  const categories = new Set(file.eventTypes.map((type) => type.category));
  const firstIndexOfDimension = new Map<string, number>();
  file.contextDimensions.forEach((dimension, index) => {
    const earlier = firstIndexOfDimension.get(dimension.name);
    if (earlier !== undefined) issues.push({ path: ['contextDimensions', index, 'name'], message: `"${dimension.name}" is already defined at contextDimensions[${earlier}]` });
    else firstIndexOfDimension.set(dimension.name, index);
    dimension.categories.forEach((category, categoryIndex) => {
      if (category !== '*' && !categories.has(category)) {
        issues.push({
          path: ['contextDimensions', index, 'categories', categoryIndex],
          message: `"${category}" is not a category of any event type here (they are: ${[...categories].join(', ')})`,
        });
      }
    });
  });
}

type CompiledType = { info: CatalogEventType; validate: ValidateFunction; orderingKeyPath: readonly string[] | null };

/** Compiles one type's schema and checks its example; problems go to `issues` at the type's place in the file. */
function compileType(ajv: Ajv2020, type: CatalogFileEventType, place: CatalogPath, issues: CatalogIssue[]): CompiledType | null {
  if (!ajv.validateSchema(type.schema)) {
    const [error] = ajv.errors ?? [];
    const violation = error ? toDataViolation(error, type.schema, 'schema') : { path: '', message: 'is not a JSON Schema' };
    issues.push({ path: [...place, 'schema', ...pointerKeys(violation.path)], message: `not a valid JSON Schema (2020-12): ${violation.message}` });
    return null;
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(type.schema);
  } catch (error) {
    issues.push({ path: [...place, 'schema'], message: `does not compile: ${(error as Error).message}` });
    return null;
  }
  if (!validate(type.example)) {
    const violation = toDataViolation(validate.errors![0]!, type.example, 'example');
    issues.push({ path: [...place, 'example', ...pointerKeys(violation.path)], message: `does not pass the type's schema: ${violation.message}` });
  }
  const orderingKeyPath = type.orderingKey ? parseDataPath(type.orderingKey) : null;
  if (orderingKeyPath && idToString(readDataPath(type.example, orderingKeyPath)) === null) {
    issues.push({ path: [...place, 'orderingKey'], message: `the example has no string or number at "${type.orderingKey}"` });
  }
  const info: CatalogEventType = deepFreeze({
    name: type.name,
    category: type.category,
    description: type.description,
    version: type.version ?? null,
    deprecated: type.deprecated,
    schema: structuredClone(type.schema),
    example: structuredClone(type.example),
    orderingKey: type.orderingKey ?? null,
    operational: type.category === OPERATIONAL_CATEGORY,
  });
  return { info, validate, orderingKeyPath };
}

/**
 * The catalog of a file that passed the zod shape (catalog-file.ts). Throws CatalogError listing every problem: a
 * duplicate or reserved name, an unknown category, a schema that is not JSON Schema 2020-12 or does not compile, an
 * example that fails its schema. `locate` maps a place in the file to its line, for the message.
 */
export function createCatalog(file: CatalogFile, source: string, locate: (path: CatalogPath) => number | undefined = () => undefined): Catalog {
  const issues: CatalogIssue[] = [];
  checkCrossReferences(file, issues);
  const ajv = createAjv();
  const compiled = new Map<string, CompiledType>();
  const entries: { type: CatalogFileEventType; place: CatalogPath }[] = [
    ...file.eventTypes.map((type, index) => ({ type, place: ['eventTypes', index] as CatalogPath })),
    ...[WEBHOOK_TEST_TYPE, ...OPERATIONAL_TYPES].map((type) => ({ type, place: ['(built in)', type.name] as CatalogPath })),
  ];
  for (const { type, place } of entries) {
    const result = compileType(ajv, type, place, issues);
    if (result && !compiled.has(type.name)) compiled.set(type.name, result);
  }
  if (issues.length > 0) throw new CatalogError(source, issues.map((issue) => ({ ...issue, line: locate(issue.path) })));

  const eventTypes = Object.freeze([...compiled.values()].map((entry) => entry.info));
  const platformCategories = [...new Set(file.eventTypes.map((type) => type.category))];
  const index: PatternIndex = {
    categoryOf: new Map(eventTypes.map((type) => [type.name, type.category])),
    categories: new Set(eventTypes.map((type) => type.category)),
  };
  const dimensions: readonly ContextDimension[] = deepFreeze(
    file.contextDimensions.map((dimension) => ({
      name: dimension.name,
      description: dimension.description,
      categories: dimension.categories.includes('*') ? platformCategories : [...new Set(dimension.categories)],
      path: dimension.path ?? null,
    })),
  );
  const dimensionByName = new Map(dimensions.map((dimension) => [dimension.name, dimension]));
  const rules: ReadonlyMap<string, DimensionRule> = new Map(
    dimensions.map((dimension) => [dimension.name, { name: dimension.name, categories: new Set(dimension.categories), path: dimension.path ? parseDataPath(dimension.path) : null }]),
  );

  const dimensionsFor = (patterns: readonly string[]) => {
    const covered = categoriesCovered(index, patterns);
    return dimensions.filter((dimension) => dimension.categories.some((category) => covered.has(category)));
  };

  return Object.freeze({
    source,
    platform: file.name ?? null,
    eventTypes,
    categories: Object.freeze([...new Set(eventTypes.map((type) => type.category))]),
    dimensions,
    isType: (name: string) => compiled.has(name),
    eventType: (name: string) => compiled.get(name)?.info,
    dimension: (name: string) => dimensionByName.get(name),
    checkPattern: (pattern: string) => checkEventPattern(index, pattern),
    matches: (patterns: readonly string[], type: string) => eventMatches(index, patterns, type),
    typesMatching: (patterns: readonly string[]) => eventTypes.filter((type) => eventMatches(index, patterns, type.name)),
    validateData(type: string, data: unknown): DataViolation | null {
      const entry = compiled.get(type);
      if (!entry) return { path: '', message: `"${type}" is not an event type of the catalog.` };
      if (entry.validate(data)) return null;
      return toDataViolation(entry.validate.errors![0]!, data);
    },
    dimensionsFor,
    checkRestrictionDimension(dimension: string, patterns: readonly string[]): string | null {
      const known = dimensionByName.get(dimension);
      if (!known) {
        const names = dimensions.map((entry) => entry.name);
        return `"${dimension}" is not a context dimension of the catalog (${names.length > 0 ? `it has: ${names.join(', ')}` : 'it has none'})`;
      }
      if (dimensionsFor(patterns).includes(known)) return null;
      return `restrictions on "${dimension}" apply to ${known.categories.map((category) => `${category}.*`).join(', ')} events only, and this webhook subscribes to none of them`;
    },
    passesRestrictions: (check: RestrictionCheck) => passesRestrictions(rules, { ...check, category: index.categoryOf.get(check.eventType) }),
    orderingKeyOf(type: string, data: unknown): string | null {
      const path = compiled.get(type)?.orderingKeyPath;
      return path ? idToString(readDataPath(data, path)) : null;
    },
  } satisfies Catalog);
}
