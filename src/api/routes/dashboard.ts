// The dashboard (web/dashboard/): a page over the public API, served as three static files. The page holds
// no data of its own; it signs in with an API key and calls the same endpoints any client does. Its
// files are read once, at start.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '../../paths.js';
import type { ApiApp } from '../types.js';

const FILES = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
} as const;

// Only this server's own files and API: an injected script or a framing page gets nowhere.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function routes(app: ApiApp): void {
  for (const [url, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(resolve(repoRoot, 'web', 'dashboard', file));
    app.get(url, {
      config: { public: true },
      schema: { hide: true },
      handler: async (_request, reply) => reply.type(type).headers(SECURITY_HEADERS).send(body),
    });
  }
}
