import type { RateLimitRule } from './types.js';

/**
 * WorkOS's own limits (REFERENCE §4.4, https://workos.com/docs/reference/rate-limits, and the seed).
 * Endpoints that share one WorkOS counter share one rule object, so a limiter keyed by `id`
 * counts them together.
 */

/** Applies to every endpoint on top of its own rules. The seed says per IP; the current docs say per API key. */
export const GENERAL_RATE_LIMIT: RateLimitRule = {
  id: 'general',
  limit: 6000,
  windowSeconds: 60,
  scope: 'api_key',
  key: [],
  description: '6,000 requests / 60 s per API key',
};

/** AuthKit reads: every read under /user_management/* shares one counter. */
export const AUTHKIT_READS: RateLimitRule = {
  id: 'authkit.reads',
  limit: 1000,
  windowSeconds: 10,
  scope: 'environment',
  key: [],
  description: '1,000 requests / 10 s per environment (AuthKit reads)',
};

/** AuthKit writes: every write under /user_management/* shares one counter. */
export const AUTHKIT_WRITES: RateLimitRule = {
  id: 'authkit.writes',
  limit: 500,
  windowSeconds: 10,
  scope: 'environment',
  key: [],
  description: '500 requests / 10 s per environment (AuthKit writes)',
};

const GRANT_TYPE = { in: 'body', name: 'grant_type' } as const;

/**
 * "10 / 60 s per email or challenge ID": password and magic-auth grants carry `email`. Any call naming an
 * email counts per email; of the calls naming none, the password and magic-auth grants still count (in the
 * rule's one shared bucket) while a refresh-token or code grant is not throttled 10 a minute.
 */
export const AUTHENTICATE_PER_EMAIL: RateLimitRule = {
  id: 'authkit.authenticate.email',
  limit: 10,
  windowSeconds: 60,
  scope: 'email',
  key: [{ in: 'body', name: 'email' }],
  keylessWhen: { source: GRANT_TYPE, values: ['password', 'urn:workos:oauth:grant-type:magic-auth:code'] },
  description: '10 requests / 60 s per email',
};

/** The TOTP grant carries the challenge id instead of an email. */
export const AUTHENTICATE_PER_CHALLENGE: RateLimitRule = {
  id: 'authkit.authenticate.challenge',
  limit: 10,
  windowSeconds: 60,
  scope: 'challenge',
  key: [{ in: 'body', name: 'authentication_challenge_id' }],
  keylessWhen: { source: GRANT_TYPE, values: ['urn:workos:oauth:grant-type:mfa-totp'] },
  description: '10 requests / 60 s per authentication challenge',
};

export const MAGIC_AUTH_PER_EMAIL: RateLimitRule = {
  id: 'magic_auth.create',
  limit: 3,
  windowSeconds: 60,
  scope: 'email',
  key: [{ in: 'body', name: 'email' }],
  description: '3 requests / 60s per email',
};

export const EMAIL_VERIFICATION_PER_USER: RateLimitRule = {
  id: 'email_verification.send',
  limit: 3,
  windowSeconds: 60,
  scope: 'user',
  key: [{ in: 'path', name: 'id' }],
  description: '3 requests / 60 s per user',
};

export const PASSWORD_RESET_PER_EMAIL: RateLimitRule = {
  id: 'password_reset.create',
  limit: 3,
  windowSeconds: 60,
  scope: 'email',
  key: [{ in: 'body', name: 'email' }],
  description: '3 requests / 60 s per email',
};

/**
 * Listing directory users names the directory in the `directory` query parameter, or names a `group`, which
 * belongs to one directory: WorkOS counts that call against the group's directory, so Bollard looks it up.
 */
export const DIRECTORY_USERS_PER_DIRECTORY: RateLimitRule = {
  id: 'directory_sync.users',
  limit: 4,
  windowSeconds: 1,
  scope: 'directory',
  key: [{ in: 'query', name: 'directory' }],
  resolve: [{ from: { in: 'query', name: 'group' }, path: '/directory_groups/{id}', field: 'directory_id' }],
  description: '4 requests / second per directory',
};

/**
 * Same WorkOS counter, but `GET /directory_users/{id}` does not carry the directory: it cannot be keyed
 * from the request, so Bollard can only learn of it from WorkOS's 429.
 */
export const DIRECTORY_USER_GET_PER_DIRECTORY: RateLimitRule = {
  id: 'directory_sync.users',
  limit: 4,
  windowSeconds: 1,
  scope: 'directory',
  key: [],
  description:
    '4 requests / second per directory (the directory is not in the request, so it cannot be keyed locally)',
};

export const SSO_AUTHORIZE_PER_CONNECTION: RateLimitRule = {
  id: 'sso.authorize',
  limit: 1000,
  windowSeconds: 60,
  scope: 'connection',
  key: [{ in: 'query', name: 'connection' }],
  description: '1,000 requests / 60s per connection',
};

export const ORGANIZATION_DELETE_PER_KEY: RateLimitRule = {
  id: 'organizations.delete',
  limit: 50,
  windowSeconds: 60,
  scope: 'api_key',
  key: [],
  description: '50 requests / 60s per API key',
};

/** Every named rule, so the generated data can refer to them by name. */
export const RATE_LIMIT_RULES = {
  AUTHKIT_READS,
  AUTHKIT_WRITES,
  AUTHENTICATE_PER_EMAIL,
  AUTHENTICATE_PER_CHALLENGE,
  MAGIC_AUTH_PER_EMAIL,
  EMAIL_VERIFICATION_PER_USER,
  PASSWORD_RESET_PER_EMAIL,
  DIRECTORY_USERS_PER_DIRECTORY,
  DIRECTORY_USER_GET_PER_DIRECTORY,
  SSO_AUTHORIZE_PER_CONNECTION,
  ORGANIZATION_DELETE_PER_KEY,
} as const;

export type RateLimitRuleName = keyof typeof RATE_LIMIT_RULES;
