// Strings PostgreSQL cannot store (U+0000, lone surrogates: domain/storable-text.ts) are refused here, in one place,
// for every String, ID and JSON input of every operation: an envelop plugin that, before execution, walks the coerced
// argument values of each field of the operation against the schema's input types. No resolver and no SQL sees them,
// so a refused mutation writes nothing, and a field added to the schema tomorrow is covered without a line here.
//
// Why a plugin over the arguments rather than wrapped scalars: graphql-js does not let a schema replace its built-in
// String and ID scalars, so a wrapper could cover JSON only; and a scalar's parse error reaches the client as
// graphql-js's coercion message ("Variable "$input" got invalid value … at "input.name"; …"), whose field we would have
// to read back with a regular expression. Walking the argument values against their input types names the field
// from the schema itself, and finds strings in argument literals and in variables alike.
import type { Plugin } from '@envelop/core';
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { findUnstorableInJson, formatCodePoint, type UnstorableJson } from './domain/storable-text.js';
import { HookstreamError } from './errors.js';

/** A field of the operation that is given arguments: where input values enter. */
type ArgumentSite = { fieldDef: GraphQLField<unknown, unknown>; node: FieldNode };

export type UnstorableInput = UnstorableJson & {
  /** The innermost input field (or argument) that holds the value: extensions.field. */
  field: string;
  /** From the argument down to that field, list indexes included: ['input', 'headers', 0, 'value']. */
  inputPath: (string | number)[];
};

export function createStorableInputPlugin(): Plugin {
  const sitesByDocument = new WeakMap<DocumentNode, Map<string, ArgumentSite[]>>();

  // The sites depend only on the document and the operation: yoga's parser cache hands back the same DocumentNode for
  // the same query text, so the walk of the document is done once per distinct query.
  function argumentSitesOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ArgumentSite[] {
    let byOperation = sitesByDocument.get(document);
    if (!byOperation) sitesByDocument.set(document, (byOperation = new Map()));
    const key = operation.name?.value ?? '';
    let sites = byOperation.get(key);
    if (!sites) byOperation.set(key, (sites = collectArgumentSites(schema, document, operation)));
    return sites;
  }

  function refuseUnstorable(args: ExecutionArgs): HookstreamError | null {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return null; // execution reports it
    const sites = argumentSitesOf(args.schema, args.document, operation);
    if (sites.length === 0) return null;
    const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 1 });
    if (variables.errors) return null; // execution reports them, with their field
    const found = findUnstorableArgument(sites, variables.coerced);
    return found ? unstorableInputError(found) : null;
  }

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refuseUnstorable(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refuseUnstorable(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

export function unstorableInputError(found: UnstorableInput): HookstreamError {
  const character = found.kind === 'nul' ? 'U+0000 (NUL)' : `${formatCodePoint(found.codePoint)} (an unpaired surrogate)`;
  const where = found.inKey ? ` in a key of ${found.pointer === '' ? 'the object' : found.pointer}` : found.pointer === '' ? '' : ` at ${found.pointer}`;
  // extensions.path: the JSON pointer inside a JSON value, as for data that fails its JSON Schema (CONTRACT.md).
  const inJson = found.inKey || found.pointer !== '';
  // publishEvents names every refusal of an item with its place, `inputs.3.data` (CONTRACT.md): so does this one.
  const [argument, index] = found.inputPath;
  const field = argument === 'inputs' && typeof index === 'number' && found.field !== argument ? `inputs.${index}.${found.field}` : found.field;
  return new HookstreamError('BAD_USER_INPUT', `"${field}" contains ${character}${where}: text with this character cannot be stored.`, {
    field,
    ...(inJson ? { path: found.pointer } : {}),
  });
}

/** Every field of the operation (and of the fragments it spreads) that is given arguments, in document order. */
function collectArgumentSites(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ArgumentSite[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const sites: ArgumentSite[] = [];
  const spread = new Set<string>();
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  for (let definition = pending.shift(); definition; definition = pending.shift()) {
    const typeInfo = new TypeInfo(schema);
    visit(
      definition,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const fieldDef = typeInfo.getFieldDef();
          if (fieldDef && node.arguments?.length) sites.push({ fieldDef, node });
        },
        FragmentSpread(node) {
          const fragment = fragments.get(node.name.value);
          if (fragment && !spread.has(node.name.value)) {
            spread.add(node.name.value);
            pending.push(fragment);
          }
        },
      }),
    );
  }
  return sites;
}

function findUnstorableArgument(sites: ArgumentSite[], variables: Record<string, unknown>): UnstorableInput | null {
  for (const { fieldDef, node } of sites) {
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(fieldDef, node, variables);
    } catch {
      continue; // an argument that does not coerce: execution reports it
    }
    for (const argument of fieldDef.args) {
      if (!(argument.name in values)) continue;
      const found = findUnstorableValue(values[argument.name], argument.type, argument.name, [argument.name]);
      if (found) return found;
    }
  }
  return null;
}

/** Walks a coerced input value along its type: lists item by item, input objects field by field, scalars as JSON. */
function findUnstorableValue(value: unknown, type: GraphQLInputType, field: string, inputPath: (string | number)[]): UnstorableInput | null {
  if (value === null || value === undefined) return null;
  if (isNonNullType(type)) return findUnstorableValue(value, type.ofType, field, inputPath);
  if (isListType(type)) {
    if (!Array.isArray(value)) return null;
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableValue(value[index], type.ofType, field, [...inputPath, index]);
      if (found) return found;
    }
    return null;
  }
  if (isInputObjectType(type)) {
    const object = value as Record<string, unknown>;
    for (const inputField of Object.values(type.getFields())) {
      if (!(inputField.name in object)) continue;
      const found = findUnstorableValue(object[inputField.name], inputField.type, inputField.name, [...inputPath, inputField.name]);
      if (found) return found;
    }
    return null;
  }
  if (isEnumType(type)) return null; // the schema's own names
  // String and ID parse to strings, JSON to what JSON.parse makes; any other scalar's value is walked the same way.
  const found = findUnstorableInJson(value);
  return found ? { ...found, field, inputPath } : null;
}
