// The SDK package's typed documents (sdk/src/generated.ts, made by `npm run generate` from sdk/operations), where the
// project's tests have always imported them from: tests, console and the package use the same operations.
export * from '../../sdk/src/generated.js';
