import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BollardError } from '../../errors/index.js';
import { callerForToken, callerOf, type OperatorLookup, requestSession } from '../auth.js';
import {
  type ConsoleSession,
  type ConsoleSessions,
  SESSION_COOKIE,
  sessionCookie,
} from '../console/sessions.js';
import type { Router } from '../route.js';

const signInBody = z.union([
  z.strictObject({
    token: z.string().min(1).max(200).meta({ description: 'The admin token or an operator token' }),
  }),
  z.strictObject({
    code: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: 'A one-time code from a sign-in link (the demo banner, POST /session/links)' }),
  }),
]);

const sessionView = z.object({
  via: z.enum(['session', 'token']),
  csrfToken: z
    .string()
    .nullable()
    .meta({ description: 'Send as x-bollard-csrf on requests that change state' }),
  expiresAt: z.string().nullable(),
  caller: z.object({ name: z.string(), role: z.enum(['admin', 'approver', 'viewer']) }),
  proxyUrl: z.string().nullable().meta({ description: 'Where agents reach the proxy (for snippets)' }),
});

/** Secure when the browser reached the console over TLS (directly or through a TLS-terminating proxy). */
function isTls(request: FastifyRequest): boolean {
  const origin = request.headers.origin ?? '';
  return request.protocol === 'https' || origin.toLowerCase().startsWith('https://');
}

function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
) {
  const secure = isTls(request) ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
  );
}

/**
 * The console's sign-in: the admin token (or a one-time code) is traded for an HttpOnly, SameSite=Strict
 * session cookie, so the token itself never stays in the browser. `POST /session` is public (it checks
 * its own credential); the rest need a credential like every admin route.
 */
export function registerSessionRoutes(
  router: Router,
  sessions: ConsoleSessions,
  adminTokenHash: string,
  operators: OperatorLookup | undefined,
  proxyUrl: () => string | null = () => null,
): void {
  const tag = 'console';
  const view = (request: FastifyRequest, session: ConsoleSession | null) => {
    const { name, role } = session?.caller ?? callerOf(request);
    const caller = { name, role };
    return session
      ? {
          via: 'session' as const,
          csrfToken: session.csrfToken,
          expiresAt: new Date(session.expiresAt).toISOString(),
          caller,
          proxyUrl: proxyUrl(),
        }
      : { via: 'token' as const, csrfToken: null, expiresAt: null, caller, proxyUrl: proxyUrl() };
  };
  router.add({
    method: 'POST',
    url: '/session',
    tag,
    summary: 'Sign the console in: the admin token or a one-time code → a session cookie (8 h)',
    body: signInBody,
    response: sessionView,
    handler: async ({ body, request, reply }) => {
      const caller =
        'token' in body
          ? await callerForToken(body.token, adminTokenHash, operators).catch(() => null)
          : null;
      const session = caller
        ? sessions.open(caller)
        : 'code' in body
          ? sessions.exchangeCode(body.code)
          : null;
      if (!session) {
        throw new BollardError(
          'admin_unauthorized',
          'token' in body
            ? 'That is neither the admin token nor an active operator token.'
            : 'That sign-in link is unknown, used or expired; ask for a new one (the demo banner prints one; POST /api/v1/session/links makes one).',
        );
      }
      setSessionCookie(request, reply, session.id, Math.floor(sessions.ttlMs / 1000));
      reply.header('cache-control', 'no-store');
      return view(request, session);
    },
  });
  router.add({
    method: 'GET',
    url: '/session',
    tag,
    summary: 'Who is asking: a console session (with its CSRF token and expiry) or the admin token',
    response: sessionView,
    handler: async ({ request, reply }) => {
      reply.header('cache-control', 'no-store');
      return view(request, requestSession(request));
    },
  });
  router.add({
    method: 'DELETE',
    url: '/session',
    tag,
    summary: 'Sign the console out: the session ends now and its cookie is cleared',
    status: 204,
    handler: async ({ request, reply }) => {
      sessions.close(sessionCookie(request.headers.cookie));
      setSessionCookie(request, reply, '', 0);
    },
  });
  router.add({
    method: 'POST',
    url: '/session/links',
    tag,
    summary:
      'A one-time sign-in code for the console, as yourself (15 minutes, one use); open /#/sign-in?code=…',
    status: 201,
    response: z.object({ code: z.string(), path: z.string(), expiresAt: z.string() }),
    handler: async ({ request }) => {
      // The link signs in as whoever asked for it, with that caller's role.
      const { code, expiresAt } = sessions.issueCode(callerOf(request));
      return { code, path: `/#/sign-in?code=${code}`, expiresAt: new Date(expiresAt).toISOString() };
    },
  });
}
