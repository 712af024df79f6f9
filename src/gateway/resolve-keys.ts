import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { CatalogEndpoint, KeyLookup } from '../catalog/types.js';
import { type RequestValues, readFirstValue, readValue } from '../catalog/value-source.js';
import type { UpstreamOptions } from './forward.js';

/** Finds the rate-limit scope values a request does not name but WorkOS counts it by. */
export interface KeyResolver {
  /** Rule id → scope value, for the endpoint's rules whose key the request lacks and could be looked up. */
  resolve(endpoint: CatalogEndpoint, request: RequestValues): Promise<Record<string, string>>;
}

export interface KeyResolverOptions {
  upstream: Pick<UpstreamOptions, 'url' | 'apiKey'>;
  dispatcher: Dispatcher;
  logger: Logger;
  now(): number;
  /** How long an answer (found or not found) is kept. */
  ttlMs?: number;
  /** Most answers kept; the oldest go first. */
  maxEntries?: number;
  /** Most lookups in flight at once; past that a call counts in the rule's shared bucket instead. */
  maxInFlight?: number;
  /**
   * Most lookups started per second. Lookups run before the limiter has counted the call, on WorkOS's
   * budget, so a stream of made-up ids must not turn into a stream of upstream calls.
   */
  maxPerSecond?: number;
  timeoutMs?: number;
}

// WorkOS ids are a prefix and a ULID; anything else is not looked up (and cannot be steered into another path).
const ID_PATTERN = /^[A-Za-z0-9_]{1,100}$/;

/**
 * Looks scope values up through WorkOS with Bollard's own key, read-only (`GET`), cached with a TTL and a
 * bounded size so a stream of made-up ids cannot grow memory, at most `maxPerSecond` a second so it cannot
 * spend WorkOS's budget either. A lookup that fails, times out or finds nothing
 * resolves nothing: the call then counts in the rule's one shared bucket (stricter, never looser).
 * @example
 * const resolver = createKeyResolver({ upstream, dispatcher, logger, now: Date.now });
 * await resolver.resolve(endpoint, { params: {}, query: new URLSearchParams('group=directory_group_1'), body: undefined });
 * // { 'directory_sync.users': 'directory_01' }
 */
export function createKeyResolver(options: KeyResolverOptions): KeyResolver {
  const ttlMs = options.ttlMs ?? 5 * 60_000; // 5 minutes: a group does not move between directories
  const maxEntries = options.maxEntries ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 16;
  const timeoutMs = options.timeoutMs ?? 5_000; // 5 seconds
  const maxPerSecond = options.maxPerSecond ?? 5; // 300 a minute at most: 5 % of WorkOS's 6,000
  let second = { start: 0, started: 0 };
  const answers = new Map<string, { value: string | null; expires: number }>();
  const inFlight = new Map<string, Promise<string | null>>();

  async function fetchField(lookup: KeyLookup, id: string): Promise<string | null> {
    const response = await options.dispatcher.request({
      origin: options.upstream.url,
      path: lookup.path.replace('{id}', id),
      method: 'GET',
      headers: { authorization: `Bearer ${options.upstream.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    if (response.statusCode === 404) return null;
    if (response.statusCode !== 200) throw new Error(`lookup answered ${response.statusCode}`);
    const value = (JSON.parse(text) as Record<string, unknown>)[lookup.field];
    return typeof value === 'string' && value ? value : null;
  }

  function remember(cacheKey: string, value: string | null): void {
    if (answers.size >= maxEntries) answers.delete(answers.keys().next().value as string);
    answers.set(cacheKey, { value, expires: options.now() + ttlMs });
  }

  function startLookup(): boolean {
    const now = options.now();
    if (now - second.start >= 1000) second = { start: now, started: 0 };
    if (second.started >= maxPerSecond) return false;
    second.started++;
    return true;
  }

  async function lookUp(lookup: KeyLookup, id: string): Promise<string | null> {
    const cacheKey = `${lookup.path}\n${id}`;
    const cached = answers.get(cacheKey);
    if (cached && cached.expires > options.now()) return cached.value;
    answers.delete(cacheKey);
    const pending = inFlight.get(cacheKey);
    if (pending) return pending;
    if (inFlight.size >= maxInFlight || !startLookup()) return null;
    const attempt = fetchField(lookup, id)
      .then((value) => {
        remember(cacheKey, value);
        return value;
      })
      .catch((error: unknown) => {
        options.logger.warn({ err: error, path: lookup.path }, 'rate-limit key lookup failed');
        return null;
      })
      .finally(() => inFlight.delete(cacheKey));
    inFlight.set(cacheKey, attempt);
    return attempt;
  }

  return {
    async resolve(endpoint, request) {
      const resolved: Record<string, string> = {};
      for (const rule of endpoint.rateLimits) {
        if (!rule.resolve || readFirstValue(rule.key, request) !== null) continue;
        for (const lookup of rule.resolve) {
          const id = readValue(lookup.from, request);
          if (id === null || !ID_PATTERN.test(id)) continue;
          const value = await lookUp(lookup, id);
          if (value !== null) {
            resolved[rule.id] = value;
            break;
          }
        }
      }
      return resolved;
    },
  };
}
