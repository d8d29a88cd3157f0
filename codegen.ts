// GraphQL Code Generator: the typed documents of the SDK package (sdk/src/generated.ts) from schema.graphql and the
// operations in sdk/operations. `npm run generate` runs it; test/schema-artifacts.test.ts fails when its output is
// stale. The project's tests and the console import the same file (through src/sdk/generated.ts and `@sdk/…`).
import type { CodegenConfig } from '@graphql-codegen/cli';

export const SDK_GENERATED_FILE = 'sdk/src/generated.ts';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['sdk/operations/**/*.graphql'],
  generates: {
    [SDK_GENERATED_FILE]: {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: true },
      },
    },
  },
  hooks: {},
  silent: true,
};

export default config;
