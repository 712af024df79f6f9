import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { BollardError } from '../../errors/index.js';

/** Where `vite build` puts the console (`web/` → `dist/web/`), from src/admin/console or dist/admin/console. */
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/**
 * Sent with every admin response: the console loads nothing but its own files (no CDN, font or
 * inline script), cannot be framed, and never leaks its URL (a sign-in link's code) as a referrer.
 */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The console: `GET /` answers its page, `GET /assets/*` its hashed, immutable files. Both are public
 * (they hold no data); every call the page makes goes to `/api/v1` with the session cookie.
 */
export async function registerConsole(app: FastifyInstance, buildDir = CONSOLE_BUILD_DIR): Promise<void> {
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  const indexFile = `${buildDir}index.html`;
  const page = existsSync(indexFile) ? readFileSync(indexFile) : null;
  app.get('/', async (_request, reply) => {
    if (!page) {
      throw new BollardError(
        'not_found',
        'The console is not built in this checkout; run `npm run build` (npm install does it too).',
      );
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
  });
  if (page && existsSync(`${buildDir}assets`)) {
    await app.register(fastifyStatic, {
      root: `${buildDir}assets`,
      prefix: '/assets/',
      immutable: true,
      maxAge: '365d',
      index: false,
      list: false,
      dotfiles: 'deny',
    });
  } else {
    app.get('/assets/*', async () => {
      throw new BollardError('not_found', 'The console is not built in this checkout; run `npm run build`.');
    });
  }
}
