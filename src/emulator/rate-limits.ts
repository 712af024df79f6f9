import { rateLimited } from './errors.js';

/** One limit: at most `max` requests per `windowMs` for each key of its scope. */
export interface LimitRule {
  name: string;
  max: number;
  windowMs: number;
}

/** The seed's limits and REFERENCE.md §4.4, with the scope each is counted per. */
export const LIMITS = {
  general: { name: 'general', max: 6000, windowMs: 60_000 }, // per API key
  ssoAuthorize: { name: 'sso_authorize', max: 1000, windowMs: 60_000 }, // per connection
  directoryUsers: { name: 'directory_users', max: 4, windowMs: 1_000 }, // per directory
  organizationDelete: { name: 'organization_delete', max: 50, windowMs: 60_000 }, // per API key
  magicAuth: { name: 'magic_auth', max: 3, windowMs: 60_000 }, // per email
  authenticate: { name: 'authenticate', max: 10, windowMs: 60_000 }, // per email or challenge id
  authkitRead: { name: 'authkit_read', max: 1000, windowMs: 10_000 }, // per environment
  authkitWrite: { name: 'authkit_write', max: 500, windowMs: 10_000 }, // per environment
} satisfies Record<string, LimitRule>;

/** Fixed-window counters on the emulator clock; `enabled: false` turns every check into a no-op. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly enabled: boolean,
    private readonly now: () => number,
  ) {}

  /** Counts one request; throws 429 `rate_limit_exceeded` with `Retry-After` when over the limit. */
  hit(rule: LimitRule, key: string): void {
    if (!this.enabled) return;
    const id = `${rule.name}:${key}`;
    const now = this.now();
    let window = this.windows.get(id);
    if (!window || now - window.start >= rule.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(id, window);
    }
    window.count++;
    if (window.count > rule.max) {
      throw rateLimited(Math.max(1, Math.ceil((window.start + rule.windowMs - now) / 1000)));
    }
  }

  reset(): void {
    this.windows.clear();
  }
}
