import type { CatalogEndpoint, RateLimitRule, RateLimitScope, ValueSource } from '../catalog/types.js';
import type { LimitRequest } from './types.js';

/**
 * Hand-built catalog fixtures for the limiter's tests and benchmark (not part of the public surface).
 * @example testRule('dsync.users', 4, 1, 'directory', [{ in: 'query', name: 'directory' }])
 */
export function testRule(
  id: string,
  limit: number,
  windowSeconds: number,
  scope: RateLimitScope = 'api_key',
  key: ValueSource[] = [],
): RateLimitRule {
  return { id, limit, windowSeconds, scope, key, description: `${limit} / ${windowSeconds} s per ${scope}` };
}

export function testEndpoint(
  id: string,
  rateLimits: RateLimitRule[],
  path = `/${id.replace('.', '/')}`,
): CatalogEndpoint {
  return {
    id,
    method: 'GET',
    path,
    area: id.split('.')[0],
    access: 'read',
    permission: `${id.split('.')[0]}:read`,
    summary: id,
    rateLimits,
    webhookEvents: [],
    destructive: false,
    responseSecrets: [],
    requestSecrets: [],
    organizationId: null,
    anonymous: false,
    status: 'current',
    since: 'base',
    source: 'https://workos.com/docs',
    sdkMethods: [],
  };
}

export function testRequest(endpoint: CatalogEndpoint, overrides: Partial<LimitRequest> = {}): LimitRequest {
  return {
    endpoint,
    params: {},
    query: new URLSearchParams(),
    body: undefined,
    agentId: 'agt_test',
    agentWeight: 1,
    ...overrides,
  };
}
