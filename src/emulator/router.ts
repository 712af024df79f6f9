import type { Context } from './context.js';
import type { Reply } from './reply.js';

export type Handler = (ctx: Context) => Reply | Promise<Reply>;

/**
 * Who may call a route: `key` needs `Authorization: Bearer <apiKey>`; `none` is public
 * (browser redirects, JWKS, `/sso/profile` with its own bearer); `client` checks
 * `client_secret` in the body instead (the two grant endpoints, §5.2).
 */
export type Access = 'key' | 'none' | 'client';

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
  access: Access;
}

export interface Match {
  handler: Handler;
  access: Access;
  params: Record<string, string>;
}

/** A tiny method + path router; `{name}` segments capture one percent-decoded path segment. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, access: Access = 'key'): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler, access });
    return this;
  }

  /** The route whose pattern matches with the most literal segments (so `/users/external_id/{x}` beats `/users/{id}/{sub}`). */
  match(method: string, segments: string[]): Match | undefined {
    let best: { route: Route; params: Record<string, string>; literals: number } | undefined;
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const found = matchSegments(route.segments, segments);
      if (found && (!best || found.literals > best.literals)) best = { route, ...found };
    }
    return best && { handler: best.route.handler, access: best.route.access, params: best.params };
  }

  /** Public access of any route on this path (whatever the method), so 404s are not masked by 401s. */
  accessOf(segments: string[]): Access | undefined {
    return this.routes.find((route) => matchSegments(route.segments, segments))?.access;
  }
}

function matchSegments(
  pattern: string[],
  segments: string[],
): { params: Record<string, string>; literals: number } | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  let literals = 0;
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i];
    const value = segments[i];
    if (part.startsWith('{')) params[part.slice(1, -1)] = value;
    else if (part === value) literals++;
    else return undefined;
  }
  return { params, literals };
}

/** Splits a raw path into decoded segments; `undefined` when the encoding is broken. */
export function splitPath(path: string): string[] | undefined {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}
