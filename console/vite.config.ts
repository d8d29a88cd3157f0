// The browser console: a single page built by `npm run build:console` into console/dist and served by Hookstream
// under /console (src/console/serve.ts). It imports the SDK package's source, sdk/src (see `resolve.alias`).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const consoleDir = fileURLToPath(new URL('.', import.meta.url));
const sdkDir = fileURLToPath(new URL('../sdk/src/', import.meta.url));

export default defineConfig({
  // 'console', resolved from this file so that the build works from any working directory.
  root: consoleDir,
  base: '/console/',
  plugins: [react()],
  resolve: {
    // `@sdk/generated` is sdk/src/generated.ts (the codegen output), `@sdk/client` the package's fetch client.
    alias: [{ find: /^@sdk\/(.*)$/, replacement: `${sdkDir}$1` }],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Served from our own origin only: no inlined data: scripts, nothing fetched from elsewhere.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `vite --config console/vite.config.ts` for UI work: GraphQL (HTTP and WebSocket) goes to a local `npm start`.
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: { '/graphql': { target: 'http://localhost:4000', ws: true } },
  },
});
