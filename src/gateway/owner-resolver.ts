import { OWNER_LOOKUPS, type OwnerKind } from '../catalog/pinning.js';
import type { KeyResolverOptions } from './resolve-keys.js';

/** The organizations that own a resource, or why they could not be found (the call is then denied). */
export type OwnerAnswer = { ok: true; organizations: readonly string[] } | { ok: false; problem: string };

/** Finds which organizations own a resource an agent names, for organization pins. */
export interface OwnerResolver {
  /** Answers from the cache when it can (synchronously), or looks up through WorkOS. */
  owners(kind: OwnerKind, id: string): OwnerAnswer | Promise<OwnerAnswer>;
  /** Forgets what a WorkOS event may have changed (a membership added, a connection deleted). */
  invalidateForEvent(event: string, data: unknown): void;
  stats(): { hits: number; misses: number; failures: number; entries: number };
}

/**
 * Like the key resolver's: upstream, dispatcher, logger, clock, and a bounded cache (`ttlMs` defaults to
 * 60 s here: a webhook event forgets an owner sooner).
 */
export interface OwnerResolverOptions
  extends Pick<
    KeyResolverOptions,
    'upstream' | 'dispatcher' | 'logger' | 'now' | 'ttlMs' | 'maxEntries' | 'timeoutMs' | 'maxPerSecond'
  > {
  /** Most membership pages read for one user (100 memberships a page); more is unresolved. */
  maxPages?: number;
}

// WorkOS ids are a prefix and a ULID; anything else is not looked up (and cannot be steered into another path).
const ID_PATTERN = /^[A-Za-z0-9_.@+-]{1,200}$/;
const MAX_BODY = 1024 * 1024;

class LookupFailure extends Error {}

/** The User-Agent of owner lookups, so WorkOS's logs (and a test) tell them from the agents' calls. */
export const OWNER_LOOKUP_AGENT = 'Bollard owner lookup';

/**
 * Looks owners up with Bollard's own key, read-only (`GET`), cached with a TTL in a bounded map, and
 * forgotten when a webhook event says the resource changed. Nothing found, a timeout, an error: the answer
 * is `ok: false` and the pinned call is denied (fail closed); failures are not cached.
 * @example
 * const owners = createOwnerResolver({ upstream, dispatcher, logger, now: Date.now });
 * await owners.owners('connection', 'conn_01') // { ok: true, organizations: ['org_01'] }
 */
export function createOwnerResolver(options: OwnerResolverOptions): OwnerResolver {
  const ttlMs = options.ttlMs ?? 60_000; // 1 minute: bounded staleness when no webhook says otherwise
  const maxEntries = options.maxEntries ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 5_000; // 5 seconds
  const maxPages = options.maxPages ?? 10;
  const cache = new Map<string, { organizations: readonly string[]; expires: number }>();
  const inFlight = new Map<string, Promise<OwnerAnswer>>();
  const counts = { hits: 0, misses: 0, failures: 0 };
  // Lookups run on WorkOS's budget before the limiter has counted the call: a stream of made-up ids must not
  // become a stream of upstream calls. Past the cap the call is denied (fail closed), not looked up.
  const maxPerSecond = options.maxPerSecond ?? 25; // a quarter of WorkOS's general 6,000 a minute
  let second = { start: 0, started: 0 };
  function startLookup(): boolean {
    const now = options.now();
    if (now - second.start >= 1000) second = { start: now, started: 0 };
    if (second.started >= maxPerSecond) return false;
    second.started++;
    return true;
  }

  async function getJson(path: string): Promise<Record<string, unknown> | null> {
    const response = await options.dispatcher.request({
      origin: options.upstream.url,
      path,
      method: 'GET',
      headers: {
        authorization: `Bearer ${options.upstream.apiKey}`,
        accept: 'application/json',
        'user-agent': OWNER_LOOKUP_AGENT,
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const declared = Number(response.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      response.body.destroy();
      throw new LookupFailure('answer too large');
    }
    const text = await response.body.text();
    if (response.statusCode === 404) return null;
    if (response.statusCode !== 200) throw new LookupFailure(`WorkOS answered ${response.statusCode}`);
    if (text.length > MAX_BODY) throw new LookupFailure('answer too large');
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** A user's organizations: every page of its memberships. */
  async function userOrganizations(id: string): Promise<readonly string[] | null> {
    const out = new Set<string>();
    let after: string | null = null;
    for (let page = 0; page < maxPages; page++) {
      const query = new URLSearchParams({ user_id: id, limit: '100' });
      if (after) query.set('after', after);
      const list = await getJson(`/user_management/organization_memberships?${query}`);
      if (!list || !Array.isArray(list.data)) throw new LookupFailure('memberships are not a list');
      for (const item of list.data as Record<string, unknown>[]) {
        if (typeof item.organization_id === 'string') out.add(item.organization_id);
      }
      const next = (list.list_metadata as { after?: unknown } | undefined)?.after;
      if (typeof next !== 'string' || !next) return [...out];
      after = next;
    }
    throw new LookupFailure(`more than ${maxPages} pages of memberships`);
  }

  async function lookUp(kind: OwnerKind, id: string, depth = 0): Promise<readonly string[] | null> {
    if (kind === 'user') return userOrganizations(id);
    const lookup = OWNER_LOOKUPS[kind];
    const found = await getJson(lookup.path.replace('{id}', encodeURIComponent(id)));
    const value = found?.[lookup.field];
    if (typeof value !== 'string' || !value) return null;
    if (lookup.via && depth < 2) return resolveFresh(lookup.via, value, depth + 1);
    return [value];
  }

  async function resolveFresh(kind: OwnerKind, id: string, depth = 0): Promise<readonly string[] | null> {
    const key = `${kind}:${id}`;
    const cached = fresh(key);
    if (cached) return cached;
    const organizations = await lookUp(kind, id, depth);
    if (organizations) remember(key, organizations);
    return organizations;
  }

  function fresh(key: string): readonly string[] | null {
    const entry = cache.get(key);
    if (!entry) return null;
    if (entry.expires > options.now()) return entry.organizations;
    cache.delete(key);
    return null;
  }

  function remember(key: string, organizations: readonly string[]): void {
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(key, { organizations, expires: options.now() + ttlMs });
  }

  function forget(kind: OwnerKind, id: unknown): void {
    if (typeof id === 'string') cache.delete(`${kind}:${id}`);
  }

  return {
    owners(kind, id) {
      if (!ID_PATTERN.test(id)) return { ok: false, problem: 'not a WorkOS id' };
      const key = `${kind}:${id}`;
      const cached = fresh(key);
      if (cached) {
        counts.hits++;
        return { ok: true, organizations: cached };
      }
      counts.misses++;
      const running = inFlight.get(key);
      if (running) return running;
      if (!startLookup()) {
        counts.failures++;
        return { ok: false, problem: `more than ${maxPerSecond} owner lookups a second; retry shortly` };
      }
      const started = resolveFresh(kind, id)
        .then(
          (organizations): OwnerAnswer =>
            organizations
              ? { ok: true, organizations }
              : { ok: false, problem: `no ${kind.replaceAll('_', ' ')} '${id}' was found` },
        )
        .catch((error: unknown): OwnerAnswer => {
          options.logger.warn({ err: error, kind }, 'owner lookup failed; the pinned call is denied');
          return { ok: false, problem: 'the owner could not be looked up' };
        })
        .then((answer) => {
          if (!answer.ok) counts.failures++;
          return answer;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      return started;
    },

    invalidateForEvent(event, data) {
      if (data === null || typeof data !== 'object') return;
      const object = data as Record<string, unknown>;
      const family = event.split('.')[0] ?? '';
      if (family === 'organization_membership') {
        forget('membership', object.id);
        forget('user', object.user_id);
      } else if (event === 'user.deleted' || event === 'user.updated') {
        forget('user', object.id);
        forget('user_external', object.external_id);
      } else if (family === 'connection') forget('connection', object.id);
      else if (event.startsWith('dsync.user.')) forget('directory_user', object.id);
      else if (event.startsWith('dsync.group.')) {
        forget('directory_group', object.id);
        const user = object.user as Record<string, unknown> | undefined;
        if (user) forget('directory_user', user.id);
      } else if (family === 'dsync') forget('directory', object.id);
      else if (family === 'organization_domain') forget('organization_domain', object.id);
      else if (family === 'invitation') forget('invitation', object.id);
      else if (family === 'authentication' || family === 'auth_factor') forget('auth_factor', object.id);
      else if (family === 'organization') {
        forget('organization_external', object.external_id);
        if (event === 'organization.deleted') {
          // Whatever named the deleted organization as its owner is stale.
          for (const [key, entry] of cache)
            if (entry.organizations.includes(String(object.id))) cache.delete(key);
        }
      }
    },

    stats() {
      return { ...counts, entries: cache.size };
    },
  };
}
