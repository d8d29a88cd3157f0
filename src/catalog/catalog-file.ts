// The shape of a catalog file (docs/catalog.md), as zod checks it. docs/catalog.schema.json is printed from this
// schema (`npm run generate`), so editors check a platform's file against the very rules start-up applies.
import { z } from 'zod';
import { DATA_PATH_PATTERN } from '../domain/data-path.js';

/** `bookings.created`, `appointment.booking.created`, `booking_unmapped_room`: dot-separated words, no `*`. */
const TYPE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
/** A category is one word: `bookings.*` must name it unambiguously. */
const CATEGORY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** Dimension names are what restrictions and context refs say: lower case, like anny's `resource_group`. */
const DIMENSION_PATTERN = /^[a-z][a-z0-9_]*$/;

/**
 * Zod's message for a missing or mistyped value: "is required" for the first, `must be …` for the second; any other
 * issue (an unknown key, say) keeps zod's own message.
 */
const expected = (what: string) => (issue: { code?: string; input?: unknown }) =>
  issue.code === 'invalid_type' ? (issue.input === undefined ? 'is required' : `must be ${what}`) : undefined;

/** An object's message: missing or mistyped as `expected`, and an unknown key named with the keys it may have. */
const expectedObject = (what: string, keys: readonly string[]) => (issue: { code?: string; input?: unknown; keys?: string[] }) =>
  issue.code === 'unrecognized_keys'
    ? `${(issue.keys ?? []).map((key) => `"${key}"`).join(', ')} ${issue.keys?.length === 1 ? 'is not a key' : 'are not keys'} of ${what} (${keys.join(', ')})`
    : expected(`${what} (${keys.join(', ')})`)(issue);

const dataPath = z
  .string({ error: 'must be a path into data such as "resource.id"' })
  .regex(DATA_PATH_PATTERN, 'must be a path into data such as "resource.id" (keys joined by dots)');

const jsonObject = z.record(z.string(), z.unknown(), { error: expected('an object') });

/** A JSON Schema of `data`: an object here; ajv checks it against the 2020-12 meta-schema at load. */
const dataSchema = jsonObject.meta({ description: "JSON Schema (2020-12) of the event's `data`; publishEvent refuses data that fails it." });

export const eventTypeSchema = z
  .strictObject({
    name: z
      .string({ error: 'must be a string' })
      .regex(TYPE_NAME_PATTERN, 'must be words of letters, digits, "_" or "-" joined by dots, e.g. "bookings.created"')
      .max(200, 'must be at most 200 characters')
      .meta({ description: 'What publishers send as `type` and webhooks subscribe to, e.g. `bookings.created`.' }),
    category: z
      .string({ error: 'must be a string' })
      .regex(CATEGORY_PATTERN, 'must be one word of letters, digits, "_" or "-", e.g. "bookings"')
      .meta({ description: 'What `<category>.*` subscribes to, and what context dimensions apply to, e.g. `bookings`.' }),
    description: z.string({ error: expected('a string') }).min(1, 'must not be empty').meta({ description: 'One sentence for the people choosing events.' }),
    version: z
      .string({ error: 'must be a string (quote it in YAML: "2.0")' })
      .min(1, 'must not be empty')
      .optional()
      .meta({ description: 'The version of the data shape, e.g. "2.0".' }),
    deprecated: z.boolean({ error: expected('true or false') }).default(false).meta({ description: 'Still accepted, but new webhooks should not rely on it.' }),
    schema: dataSchema,
    example: jsonObject.meta({ description: 'A `data` object that passes `schema`: shown in the console, and what saved transforms are tried on.' }),
    orderingKey: dataPath.optional().meta({ description: 'Where in data the default ordering key is, e.g. `id`.' }),
  }, { error: expectedObject('an event type', ['name', 'category', 'description', 'version', 'deprecated', 'schema', 'example', 'orderingKey']) })
  .meta({ title: 'Event type' });

export const contextDimensionSchema = z
  .strictObject({
    name: z
      .string({ error: 'must be a string' })
      .regex(DIMENSION_PATTERN, 'must be lower case letters, digits and "_", starting with a letter, e.g. "property"')
      .meta({ description: 'What restrictions and context refs name, e.g. `resource` or `property`.' }),
    description: z.string({ error: expected('a string') }).min(1, 'must not be empty'),
    categories: z
      .array(z.string({ error: expected('a category name or "*"') }), { error: expected('a list of categories') })
      .min(1, 'must name at least one category (or "*": every category of the catalog)')
      .meta({ description: 'The categories whose events it filters; `"*"`: every category of this file.' }),
    path: dataPath.optional().meta({ description: "Where in data the dimension's id is when a publisher sends no context, e.g. `resource.id`." }),
  }, { error: expectedObject('a context dimension', ['name', 'description', 'categories', 'path']) })
  .meta({ title: 'Context dimension' });

/** Keys of the file's own that Hookstream ignores: YAML anchors of shared schemas live under them (`x-shapes`). */
const EXTENSION_KEY = /^x-/;

const catalogFileShape = {
  $schema: z.string().optional().meta({ description: 'For editors: the path or URL of docs/catalog.schema.json.' }),
  name: z.string({ error: expected('a string') }).min(1).optional().meta({ description: "The platform's name." }),
  description: z.string({ error: expected('a string') }).optional(),
  eventTypes: z.array(eventTypeSchema, { error: expected('a list of event types') }).min(1, 'must define at least one event type'),
  contextDimensions: z.array(contextDimensionSchema, { error: expected('a list of context dimensions') }).default([]),
};

export const catalogFileSchema = z
  .looseObject(catalogFileShape, {
    error: (issue) => (issue.code !== 'invalid_type' ? undefined : issue.input == null ? 'the file is empty' : 'must be a mapping with eventTypes (and contextDimensions)'),
  })
  .superRefine((file, ctx) => {
    for (const key of Object.keys(file)) {
      if (!Object.hasOwn(catalogFileShape, key) && !EXTENSION_KEY.test(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is not a key of a catalog file (${Object.keys(catalogFileShape).join(', ')}); keys of your own must start with "x-"` });
      }
    }
  })
  .meta({
    title: 'Hookstream event catalog',
    description: "A platform's event types and context dimensions (HOOKSTREAM_CATALOG). See docs/catalog.md.",
  });

export type CatalogFile = z.output<typeof catalogFileSchema>;
export type CatalogFileEventType = CatalogFile['eventTypes'][number];
export type CatalogFileDimension = CatalogFile['contextDimensions'][number];

/**
 * The JSON Schema of a catalog file (docs/catalog.schema.json). The data schemas inside it are JSON Schemas
 * themselves, so they point at the 2020-12 meta-schema: an editor checks those too.
 */
export function printCatalogJsonSchema(): string {
  const schema = z.toJSONSchema(catalogFileSchema, {
    target: 'draft-2020-12',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema !== dataSchema) return;
      for (const key of Object.keys(jsonSchema)) if (key !== 'description') delete (jsonSchema as Record<string, unknown>)[key];
      Object.assign(jsonSchema, { $ref: 'https://json-schema.org/draft/2020-12/schema' });
    },
  });
  // Keys of one's own are fine when they say so (`x-…`); any other unknown key is a typo.
  const { additionalProperties: _any, ...rest } = schema as Record<string, unknown>;
  const printed = { ...rest, patternProperties: { [EXTENSION_KEY.source]: {} }, additionalProperties: false };
  return `${JSON.stringify(printed, null, 2)}\n`;
}
