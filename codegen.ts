// GraphQL Code Generator: the typed SDK (src/sdk/generated.ts) from schema.graphql and the operations in
// src/sdk/operations. `npm run generate` runs it; test/schema-artifacts.test.ts fails when its output is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/sdk/operations/**/*.graphql'],
  generates: {
    'src/sdk/generated.ts': {
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
