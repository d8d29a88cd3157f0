// The SDK package's fetch client (sdk/src/client.ts), where the project's tests have always imported it from.
export * from '../../sdk/src/client.js';
