// schema.graphql and the typed SDK are generated and checked in; they must match the code that produces them.
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig, { SDK_GENERATED_FILE } from '../codegen.js';
import { printedSchema } from '../scripts/print-schema.js';

describe('checked-in schema artefacts', () => {
  it('schema.graphql is the printed Pothos schema (run `npm run generate` when this fails)', () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(printedSchema());
  });

  it('the SDK package’s sdk/src/generated.ts is what codegen.ts makes of schema.graphql and sdk/operations (run `npm run generate`)', async () => {
    const [output] = await generate({ ...codegenConfig, cwd: process.cwd() }, false);
    expect(output?.filename).toBe(SDK_GENERATED_FILE);
    expect(readFileSync(SDK_GENERATED_FILE, 'utf8')).toBe(output?.content);
  });
});
