// `npm run generate`: the Prisma client, schema.graphql and the typed SDK, in that order (each needs the one before).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

execFileSync('npx', ['prisma', 'generate'], {
  stdio: 'inherit',
  // Prisma's CLI wants a schema-engine binary it would download from outside npm; generate never runs it.
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: 'scripts/no-schema-engine.sh' },
});
// Imported only now: the schema module needs the freshly generated Prisma client.
const { printedSchema } = await import('./print-schema.js');
writeFileSync('schema.graphql', printedSchema());
console.log('✔ Wrote schema.graphql');
execFileSync('npx', ['graphql-codegen', '--config', 'codegen.ts'], { stdio: 'inherit' });
console.log('✔ Wrote sdk/src/generated.ts');
// The JSON Schema of catalog files, printed from the zod schema that start-up checks them with.
const { printCatalogJsonSchema } = await import('../src/catalog/catalog-file.js');
writeFileSync('docs/catalog.schema.json', printCatalogJsonSchema());
console.log('✔ Wrote docs/catalog.schema.json');
