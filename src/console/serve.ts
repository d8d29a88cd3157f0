// Serves the browser console (console/, built by `npm run build:console` into console/dist) under /console. It is one
// of app.ts's probes: it answers GET/HEAD under /console and returns false for everything else, so yoga never sees
// those paths. Client-side routes (/console/deliveries/…) get index.html; hashed assets are cached for good.
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { projectPath } from '../paths.js';

export const CONSOLE_PATH = '/console';

/** console/dist beside src/, found from this module so the working directory does not matter. */
const DEFAULT_DIST_DIR = `${projectPath('console', 'dist')}/`;

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
});

/** Vite names every file under assets/ after a hash of its content: a changed file gets a new name. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** index.html names the current hashed assets, so the browser must revalidate it on every visit. */
const REVALIDATE_CACHE = 'no-cache';

// The console only talks to this service: its own scripts and styles, fetch and WebSocket to the same origin
// (CSP Level 3 lets 'self' match ws:/wss: of the same host). No inline script or style, no framing.
const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/** A handler serving the built console from `distDir` (tests point it at other directories). */
export function createConsoleHandler(distDir: string = DEFAULT_DIST_DIR): Handler {
  const root = resolve(distDir);
  const indexFile = resolve(root, 'index.html');

  return async function handleConsoleRequest(request, response) {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const pathname = pathOf(request.url);
    if (pathname === null || (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`))) return false;

    if (!(await isFile(indexFile))) {
      send(request, response, 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        'The console is not built: run `npm run build:console`, then reload.\n');
      return true;
    }

    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(CONSOLE_PATH.length + 1));
    } catch {
      send(request, response, 400, { 'content-type': 'text/plain; charset=utf-8' }, 'Bad request: malformed URL.\n');
      return true;
    }
    // Resolved and then checked to lie inside the root: `..`, encoded slashes and absolute paths cannot escape it.
    const candidate = resolve(root, relative);
    const inside = candidate === root || candidate.startsWith(root + sep);
    if (!inside || relative.includes('\0')) {
      send(request, response, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found.\n');
      return true;
    }

    if (candidate !== root && candidate !== indexFile && (await isFile(candidate))) {
      const immutable = relative.startsWith('assets/');
      await sendFile(request, response, candidate, immutable ? IMMUTABLE_CACHE : REVALIDATE_CACHE);
      return true;
    }
    // A missing asset must not turn into index.html: the browser would try to run HTML as a script.
    if (relative.startsWith('assets/')) {
      send(request, response, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found.\n');
      return true;
    }
    // Any other path is a client-side route: the single page decides what it shows.
    await sendFile(request, response, indexFile, REVALIDATE_CACHE);
    return true;
  };
}

/** Answers GET/HEAD under /console from console/dist; false for any other request. */
export const serveConsole: Handler = createConsoleHandler();

function pathOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return null;
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((stats) => stats.isFile(), () => false);
}

async function sendFile(request: IncomingMessage, response: ServerResponse, path: string, cacheControl: string): Promise<void> {
  const body = await readFile(path);
  const contentType = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = { 'content-type': contentType, 'cache-control': cacheControl };
  if (contentType.startsWith('text/html')) Object.assign(headers, SECURITY_HEADERS);
  send(request, response, 200, headers, body);
}

function send(request: IncomingMessage, response: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  response.writeHead(status, { ...headers, 'content-length': String(length) });
  response.end(request.method === 'HEAD' ? undefined : body);
}
