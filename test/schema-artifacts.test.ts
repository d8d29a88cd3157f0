// schema.graphql and the typed SDK are generated and checked in; they must match the code that produces them.
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../codegen.js';
import { printedSchema } from '../scripts/print-schema.js';

describe('checked-in schema artefacts', () => {
  it('schema.graphql is the printed Pothos schema (run `npm run generate` when this fails)', () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(printedSchema());
  });

  it('src/sdk/generated.ts is what codegen.ts makes of schema.graphql (run `npm run generate`)', async () => {
    const [output] = await generate({ ...codegenConfig, cwd: process.cwd() }, false);
    expect(output?.filename).toBe('src/sdk/generated.ts');
    expect(readFileSync('src/sdk/generated.ts', 'utf8')).toBe(output?.content);
  });
});
