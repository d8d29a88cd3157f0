// Issue 16: strings PostgreSQL cannot store — U+0000 (text: 22021, jsonb: 22P05) and lone surrogates (jsonb: 22P05;
// text: silently U+FFFD) — are refused in one place (src/storable-input.ts), BAD_USER_INPUT naming the innermost input
// field, and nothing is written. Two tables over real HTTP:
//  - derived from the schema itself: every String, ID and JSON input reachable from an argument of any field (at any
//    depth of input objects and lists), each with U+0000 and with a lone surrogate, JSON also in a key; a field added
//    to the schema tomorrow lands in this table without an edit here;
//  - the cases the issue found answering INTERNAL_SERVER_ERROR, with real IDs, beside controls that must pass.
import { print, parse } from 'graphql';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { snapshotDatabase } from './helpers/db-snapshot.js';
import { createWebhook, publish } from './helpers/delivery.js';
import { createWsClient } from './helpers/ws-client.js';

const BAD = { nul: 'bad\u0000text', 'lone surrogate': 'bad\ud800text' } as const;
/** Scalars whose values are parsed into something that is not the caller's text (DateTime: a Date). */
const NON_TEXT_SCALARS: ReadonlySet<string> = new Set(['Int', 'Float', 'Boolean', 'DateTime']);

type ErrorBody = { message: string; extensions?: { code?: string; field?: string; path?: string } };
type Answer = { status: number; errors?: ErrorBody[]; data?: unknown };

let app: TestApp;
let apiKey: string;
let webhookId: string;

beforeAll(async () => {
  app = await startTestApp();
  const account = await app.newAccount({ name: 'Unstorable' });
  apiKey = account.apiKey;
  // Subscribed to a type no control publishes: nothing runs in the background while the database is compared.
  webhookId = (await createWebhook(account.client, { name: 'invoices', url: 'https://hooks.example.com/in', events: ['invoices.created'] })).id;
  await publish(account.client, { type: 'orders.created', data: { id: 'o-1' } });
});
afterAll(async () => {
  await app?.stop();
});

// ---- sending -----------------------------------------------------------------------------------------------------

async function post(query: string, variables: Record<string, unknown>, options: { sse?: boolean } = {}): Promise<Answer> {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...(options.sse ? { accept: 'text/event-stream' } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  if (!options.sse) return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
  // A subscription refused before it starts is one `next` event with the errors, then `complete`.
  const text = await response.text();
  const next = /event: next\ndata: (.*)\n/.exec(text);
  return { status: response.status, ...(next ? (JSON.parse(next[1]!) as Omit<Answer, 'status'>) : {}) };
}

function expectRefused(answer: Answer, field: string, path?: string): void {
  expect(answer.errors, JSON.stringify(answer).slice(0, 400)).toHaveLength(1);
  const [error] = answer.errors!;
  expect(error!.extensions?.code, error!.message).toBe('BAD_USER_INPUT');
  expect(error!.extensions?.field, error!.message).toBe(field);
  if (path !== undefined) expect(error!.extensions?.path).toBe(path);
  expect(error!.message).toMatch(/cannot be stored/);
  // The character itself never travels back, and no library or database text does either.
  expect(error!.message).not.toMatch(/[\u0000\ud800-\udfff]|postgres|prisma|22021|22P05|Unexpected error/i);
  expect(answer.data ?? null).toBeNull();
}

// ---- the table derived from the schema ---------------------------------------------------------------------------

/** One step from an argument down to a text leaf: an input field, or into a list's item. */
type Step = { kind: 'field'; name: string } | { kind: 'item' };
type Leaf = { steps: Step[]; scalar: string; field: string };
type Route = { root: 'query' | 'mutation' | 'subscription'; path: { field: GraphQLField<unknown, unknown>; on?: string }[] };
type DerivedCase = { name: string; input: string; route: Route; target: GraphQLField<unknown, unknown>; argument: GraphQLArgument; leaf: Leaf; value: { label: string; put: (leafValue: (bad: string) => unknown) => unknown }; bad: string; path?: string };

/** Every text leaf of an input type (String, ID, JSON, any scalar but the non-text ones), down input objects and lists. */
function textLeaves(type: GraphQLInputType, field: string, steps: Step[] = [], seen: ReadonlySet<string> = new Set()): Leaf[] {
  if (isNonNullType(type)) return textLeaves(type.ofType, field, steps, seen);
  if (isListType(type)) return textLeaves(type.ofType, field, [...steps, { kind: 'item' }], seen);
  if (isEnumType(type)) return [];
  if (isScalarType(type)) return NON_TEXT_SCALARS.has(type.name) ? [] : [{ steps, scalar: type.name, field }];
  if (seen.has(type.name)) return []; // a recursive input type: its leaves are listed once
  const inside = new Set([...seen, type.name]);
  return Object.values(type.getFields()).flatMap((inputField) => textLeaves(inputField.type, inputField.name, [...steps, { kind: 'field', name: inputField.name }], inside));
}

/** A value of the type that coerces, with nothing but what is required (the operation is refused before it runs). */
function minimalValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return minimalValue(type.ofType);
  if (isListType(type)) return [minimalValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isScalarType(type)) return { Int: 1, Float: 1.5, Boolean: true, DateTime: '2025-01-01T00:00:00Z', JSON: {} }[type.name] ?? 'x';
  const object: Record<string, unknown> = {};
  for (const inputField of Object.values(type.getFields())) {
    if (isNonNullType(inputField.type) && inputField.defaultValue === undefined) object[inputField.name] = minimalValue(inputField.type);
  }
  return object;
}

/** The argument's value with `leafValue` at the leaf, everything around it minimal. */
function valueWithLeaf(type: GraphQLInputType, steps: Step[], leafValue: unknown): unknown {
  if (isNonNullType(type)) return valueWithLeaf(type.ofType, steps, leafValue);
  const [step, ...rest] = steps;
  if (!step) return leafValue;
  if (step.kind === 'item' && isListType(type)) return [valueWithLeaf(type.ofType, rest, leafValue)];
  if (step.kind === 'field' && isInputObjectType(type)) {
    const inputField = type.getFields()[step.name]!;
    return { ...(minimalValue(type) as object), [step.name]: valueWithLeaf(inputField.type, rest, leafValue) };
  }
  throw new Error(`no step ${JSON.stringify(step)} into ${String(type)}`);
}

/** The shortest way from a root field to each object type: fields down, `... on T` into interfaces and unions. */
function routesToObjectTypes(): Map<string, Route> {
  const routes = new Map<string, Route>();
  const queue: { type: GraphQLObjectType; route: Route }[] = [];
  for (const [root, type] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()], ['subscription', schema.getSubscriptionType()]] as const) {
    if (type) queue.push({ type, route: { root, path: [] } });
  }
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { type, route } = next;
    if (route.path.length > 0 && routes.has(type.name)) continue;
    if (route.path.length > 0) routes.set(type.name, route);
    if (route.root !== 'query' && route.path.length > 0) continue; // below mutations and subscriptions, queries reach the same types
    for (const field of Object.values(type.getFields())) {
      const named: GraphQLNamedType = getNamedType(field.type);
      const targets = isObjectType(named) ? [{ type: named, on: undefined }] : isInterfaceType(named) || isUnionType(named) ? schema.getPossibleTypes(named).map((possible) => ({ type: possible, on: possible.name })) : [];
      for (const target of targets) {
        if (!routes.has(target.type.name)) queue.push({ type: target.type, route: { root: route.root, path: [...route.path, { field, on: target.on }] } });
      }
    }
  }
  return routes;
}

/** Every field with arguments, of every object type a route reaches, and of the three roots. */
function derivedCases(): DerivedCase[] {
  const routes = routesToObjectTypes();
  const holders: { type: GraphQLObjectType; route: Route }[] = [];
  for (const [root, type] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()], ['subscription', schema.getSubscriptionType()]] as const) {
    if (type) holders.push({ type, route: { root, path: [] } });
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) && !type.name.startsWith('__') && routes.has(type.name)) holders.push({ type, route: routes.get(type.name)! });
  }
  const cases: DerivedCase[] = [];
  for (const { type, route } of holders) {
    for (const target of Object.values(type.getFields())) {
      for (const argument of target.args) {
        for (const leaf of textLeaves(argument.type, argument.name)) {
          const at = `${type.name}.${target.name}(${argument.name}${leaf.steps.map((step) => (step.kind === 'item' ? '[]' : `.${step.name}`)).join('')})`;
          const values = leaf.scalar === 'JSON'
            ? [
                { label: 'deep in a value', put: (bad: string) => ({ id: 'o1', nested: [{ fine: 'ok', text: bad }] }), path: '/nested/0/text' },
                { label: 'in a key', put: (bad: string) => ({ id: 'o1', nested: { [bad]: 1 } }), path: '/nested' },
              ]
            : [{ label: leaf.scalar, put: (bad: string) => bad, path: undefined }];
          for (const value of values) {
            for (const [character, bad] of Object.entries(BAD)) {
              cases.push({
                name: `${at} ${value.label}, ${character}`,
                input: at,
                route,
                target,
                argument,
                leaf,
                value: { label: value.label, put: () => valueWithLeaf(argument.type, leaf.steps, value.put(bad)) },
                bad,
                ...(value.path ? { path: value.path } : {}),
              });
            }
          }
        }
      }
    }
  }
  return cases;
}

/** The operation: the route's fields (their required arguments minimal), then the target with every argument. */
function operationOf(testCase: DerivedCase): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const argumentsOf = (field: GraphQLField<unknown, unknown>, prefix: string, withLeaf: boolean) => {
    const given = field.args.filter((argument) => (withLeaf && argument === testCase.argument) || (isNonNullType(argument.type) && argument.defaultValue === undefined));
    const list = given.map((argument) => {
      const name = `${prefix}_${argument.name}`;
      definitions.push(`$${name}: ${String(argument.type)}`);
      variables[name] = withLeaf && argument === testCase.argument ? testCase.value.put(() => testCase.bad) : minimalValue(argument.type);
      return `${argument.name}: $${name}`;
    });
    return list.length ? `(${list.join(', ')})` : '';
  };
  const selectionOf = (field: GraphQLField<unknown, unknown>) => (isObjectType(getNamedType(field.type)) || isInterfaceType(getNamedType(field.type)) || isUnionType(getNamedType(field.type)) ? ' { __typename }' : '');
  let inner = `${testCase.target.name}${argumentsOf(testCase.target, 't', true)}${selectionOf(testCase.target)}`;
  for (let index = testCase.route.path.length - 1; index >= 0; index--) {
    const step = testCase.route.path[index]!;
    const body = step.on ? `... on ${step.on} { ${inner} }` : inner;
    inner = `${step.field.name}${argumentsOf(step.field, `p${index}`, false)} { ${body} }`;
  }
  const query = `${testCase.route.root}${definitions.length ? `(${definitions.join(', ')})` : ''} { ${inner} }`;
  return { query: print(parse(query)), variables };
}

const CASES = derivedCases();

describe('every String, ID and JSON input of the schema', () => {
  it('the table is derived from the schema and reaches every kind of input', () => {
    const names = CASES.map((testCase) => testCase.name);
    // A sample of what the schema has today; anything added later joins the table by itself.
    for (const expected of [
      'Mutation.createWebhook(input.name) String, nul',
      'Mutation.createWebhook(input.headers[].value) String, lone surrogate',
      'Mutation.createWebhook(input.events[]) String, nul',
      'Mutation.publishEvent(input.data) deep in a value, nul',
      'Mutation.publishEvent(input.data) in a key, lone surrogate',
      'Mutation.publishEvent(input.idempotencyKey) String, nul',
      'Mutation.publishEvent(input.context[].id) String, nul',
      'Query.deliveries(filter.eventType) String, nul',
      'Webhook.deliveries(filter.eventType) String, lone surrogate',
      'Subscription.deliveryUpdated(webhookId) ID, nul',
    ]) {
      expect(names).toContain(expected);
    }
    console.log(`${CASES.length} derived cases over ${new Set(CASES.map((testCase) => testCase.input)).size} inputs`);
  });

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    const before = await snapshotDatabase(app.db.pool);
    const { query, variables } = operationOf(testCase);
    const answer = await post(query, variables, { sse: testCase.route.root === 'subscription' });
    // publishEvents names a refusal by the item's place, `inputs.0.data` (CONTRACT.md); elsewhere the innermost field.
    const field = testCase.argument.name === 'inputs' ? `inputs.0.${testCase.leaf.field}` : testCase.leaf.field;
    expectRefused(answer, field, testCase.path);
    expect(await snapshotDatabase(app.db.pool)).toEqual(before);
  });
});

// ---- the cases of the issue, with real IDs -----------------------------------------------------------------------

const CREATE = 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id name } } }';
const UPDATE = 'mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { id name } } }';
const PUBLISH = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { deliveryCount event { id } } }';
const DELIVERIES = 'query($filter: DeliveryFilter) { deliveries(first: 5, filter: $filter) { totalCount } }';
const WEBHOOK_DELIVERIES = 'query($id: ID!, $filter: DeliveryFilter) { webhook(id: $id) { deliveries(first: 5, filter: $filter) { totalCount } } }';
const hook = (input: Record<string, unknown>) => ({ input: { name: 'Front desk', url: 'https://hooks.example.com/in', events: ['invoices.created'], ...input } });
const event = (input: Record<string, unknown>) => ({ input: { type: 'orders.created', data: { id: 'o-2' }, ...input } });

type IssueCase = { name: string; query: string; variables: () => Record<string, unknown>; field: string; path?: string };

const ISSUE_CASES: IssueCase[] = [
  { name: 'webhook name with U+0000', query: CREATE, variables: () => hook({ name: 'Front\u0000desk' }), field: 'name' },
  { name: 'webhook name with a lone surrogate (update)', query: UPDATE, variables: () => ({ input: { id: webhookId, name: 'Front \ud800 desk' } }), field: 'name' },
  { name: 'webhook description with U+0000', query: CREATE, variables: () => hook({ description: 'nul\u0000' }), field: 'description' },
  { name: 'custom header value with U+0000', query: CREATE, variables: () => hook({ headers: [{ name: 'X-Token', value: 'a\u0000b' }] }), field: 'value' },
  { name: 'event data with U+0000', query: PUBLISH, variables: () => event({ data: { id: 'o-3', note: 'nul\u0000' } }), field: 'data', path: '/note' },
  { name: 'event data with a lone surrogate', query: PUBLISH, variables: () => event({ data: { id: 'o-3', guest: { name: 'lone \ud800' } } }), field: 'data', path: '/guest/name' },
  { name: 'event data with U+0000 in a key', query: PUBLISH, variables: () => event({ data: { id: 'o-3', lines: [{ ['k\u0000']: 1 }] } }), field: 'data', path: '/lines/0' },
  { name: 'idempotencyKey with U+0000', query: PUBLISH, variables: () => event({ idempotencyKey: 'key\u0000' }), field: 'idempotencyKey' },
  { name: 'context id with a lone surrogate', query: PUBLISH, variables: () => event({ type: 'bookings.created', data: { id: 'b-1' }, context: [{ type: 'RESOURCE', id: 'room\udfff' }] }), field: 'id' },
  { name: 'deliveries(filter: { eventType }) with U+0000', query: DELIVERIES, variables: () => ({ filter: { eventType: 'bookings.created\u0000' } }), field: 'eventType' },
  { name: 'deliveries(filter: { eventType }) as a literal', query: 'query { deliveries(first: 5, filter: { eventType: "a\\u0000b" }) { totalCount } }', variables: () => ({}), field: 'eventType' },
  { name: "a webhook's deliveries(filter: { eventType })", query: WEBHOOK_DELIVERIES, variables: () => ({ id: webhookId, filter: { eventType: '\ud800' } }), field: 'eventType' },
  { name: 'events(type) with U+0000', query: 'query($type: String) { events(first: 5, type: $type) { totalCount } }', variables: () => ({ type: 'orders.created\u0000' }), field: 'type' },
  {
    name: 'inside a fragment',
    query: 'query($type: String) { ...History } fragment History on Query { deliveries(first: 1, filter: { eventType: $type }) { totalCount } }',
    variables: () => ({ type: '\u0000' }),
    field: 'eventType',
  },
];

describe('the cases of the issue', () => {
  it.each(ISSUE_CASES.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    const before = await snapshotDatabase(app.db.pool);
    expectRefused(await post(testCase.query, testCase.variables()), testCase.field, testCase.path);
    expect(await snapshotDatabase(app.db.pool)).toEqual(before);
  });

  it('over graphql-ws too: a subscription with U+0000 in its argument is refused before it starts', async () => {
    const client = createWsClient(app.url, apiKey);
    try {
      const errors = await new Promise<unknown>((resolve, reject) => {
        client.subscribe(
          { query: 'subscription($id: ID) { deliveryUpdated(webhookId: $id) { id } }', variables: { id: 'x\u0000' } },
          { next: (value) => resolve(value.errors), error: resolve, complete: () => reject(new Error('completed without an answer')) },
        );
      });
      expect(errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT', field: 'webhookId' } }]);
    } finally {
      await client.dispose();
    }
  });

  it('controls: text that PostgreSQL stores passes, emoji (surrogate pairs) and other control characters included', async () => {
    const created = await post(CREATE, hook({ name: '😀 Front desk \u0001', headers: [{ name: 'X-Token', value: 'ok' }] }));
    expect(created.errors).toBeUndefined();
    expect((created.data as { createWebhook: { webhook: { name: string } } }).createWebhook.webhook.name).toBe('😀 Front desk \u0001');
    const published = await post(PUBLISH, event({ data: { id: 'o-4', note: '👍🏽 \u001f', ['ключ 🔑']: 'значение' }, idempotencyKey: 'key-😀' }));
    expect(published.errors).toBeUndefined();
    const { rows } = await app.db.pool.query<{ data: unknown }>(
      `select b.data from events e join event_bodies b on b.event_id = e.id where e.idempotency_key = 'key-😀'`,
    );
    expect(rows[0]!.data).toEqual({ id: 'o-4', note: '👍🏽 \u001f', ['ключ 🔑']: 'значение' });
    const listed = await post(DELIVERIES, { filter: { eventType: 'orders.created 😀' } });
    expect(listed.errors).toBeUndefined();
    expect(listed.data).toEqual({ deliveries: { totalCount: 0 } });
  });
});
