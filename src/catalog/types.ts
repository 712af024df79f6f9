/**
 * The catalog's data model: every WorkOS endpoint and webhook event as typed data.
 * Nothing here does I/O; the gateway, policy, rate limiter, CLI and console all read it.
 */

export type Access = 'read' | 'write';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A Bollard permission: `AREA:read` or `AREA:write`. Write includes read. */
export type Permission = `${string}:${Access}`;

/** Where a value lives in a request: a path parameter, a query parameter or a top-level JSON/form body field. */
export interface ValueSource {
  in: 'path' | 'query' | 'body';
  name: string;
}

/**
 * What a WorkOS limit is counted per. `api_key` and `environment` are both "the one WorkOS key".
 * The others take their key from the request (see `RateLimitRule.key`).
 */
export type RateLimitScope =
  | 'api_key'
  | 'environment'
  | 'connection'
  | 'directory'
  | 'email'
  | 'user'
  | 'challenge';

/**
 * A scope value found through WorkOS: `GET path` (with `{id}` replaced by the value at `from`) answers an
 * object whose `field` is the scope value.
 * @example { from: { in: 'query', name: 'group' }, path: '/directory_groups/{id}', field: 'directory_id' }
 */
export interface KeyLookup {
  from: ValueSource;
  path: string;
  field: string;
}

/**
 * One WorkOS rate limit that applies to an endpoint.
 * @example { id: 'organizations.delete', limit: 50, windowSeconds: 60, scope: 'api_key', key: [], description: '50 requests / 60 s per API key' }
 */
export interface RateLimitRule {
  /** Stable id; endpoints that share one WorkOS counter share the id (e.g. `authkit.reads`). */
  id: string;
  limit: number;
  /** Window length in seconds. */
  windowSeconds: number;
  scope: RateLimitScope;
  /** Where the scope value comes from, tried in order; empty for `api_key` / `environment`. */
  key: ValueSource[];
  /**
   * When the request names no `key` value but something the scope value belongs to (a group belongs to one
   * directory), where to look the scope value up through WorkOS, read-only.
   */
  resolve?: KeyLookup[];
  /**
   * Which calls that name no key value the rule still counts (in its one shared bucket): those whose field has
   * one of these values (a grant type). Other keyless calls are not the rule's (a refresh-token grant carries
   * no email). A call that names a key value is counted whatever this says. Without it, every keyless call
   * counts in the shared bucket.
   */
  keylessWhen?: { source: ValueSource; values: readonly string[] };
  /** Human wording, as the seed or the docs give it ("4 requests / second per directory"). */
  description: string;
}

export type EndpointStatus = 'current' | 'legacy' | 'deprecated';

/** One WorkOS endpoint. */
export interface CatalogEndpoint {
  /** Stable id, `area.verb` style: `organizations.delete`, `users.list`. */
  id: string;
  method: HttpMethod;
  /** Path template with `{param}` segments, as WorkOS documents it: `/organizations/{id}`. */
  path: string;
  area: string;
  /** Semantic access, as the seed gives it (`POST /sso/token` is a read). */
  access: Access;
  /** `${area}:${access}` */
  permission: Permission;
  /** One line: what the call does. For seed rows, the seed's own wording. */
  summary: string;
  /** Longer note (the seed's detail text), when there is one. */
  description?: string;
  /** What the call acts on, in words ("organization", "directory user"). */
  actsOn?: string;
  /** Endpoint-specific WorkOS limits; the general limit (`GENERAL_RATE_LIMIT`) applies to every endpoint on top. */
  rateLimits: RateLimitRule[];
  /** Webhook events this call triggers. */
  webhookEvents: string[];
  /** Irreversible delete (or equivalent). */
  destructive: boolean;
  /** Response fields that carry secrets (codes, tokens, links, keys); empty when none. Dotted paths for nested ones. */
  responseSecrets: string[];
  /** Request body fields that carry secrets (passwords, codes, client_secret); never stored by the audit log. */
  requestSecrets: string[];
  /** Path parameters that are secrets (an invitation token in the path); the audit log stores `[redacted]` for them. */
  pathSecrets?: string[];
  /**
   * The body field where WorkOS takes the API key itself (`client_secret` of the sign-in exchanges). Only
   * there does Bollard put the key into the body, or accept an agent token: elsewhere a field of that name
   * is the caller's own secret (a data integration's OAuth app), forwarded as sent.
   */
  apiKeyField?: 'client_secret';
  /** Where the organization id lives, or null when the request does not carry it. */
  organizationId: ValueSource | null;
  /** WorkOS serves it without an API key (JWKS, browser redirects). */
  anonymous: boolean;
  status: EndpointStatus;
  /** For legacy/deprecated rows: the id of the endpoint that replaces it. */
  replacedBy?: string;
  /** "Available since the API's base version", or a date. */
  since: string;
  /** Link to the WorkOS documentation. */
  source: string;
  /** 1-based row number in the seed's table, when the endpoint is one of the seed's 36. */
  seedRow?: number;
  /** Official Node SDK v11 methods that call it (`organizations.deleteOrganization`). */
  sdkMethods: string[];
  /** OpenAPI operationId, when the endpoint is in WorkOS's OpenAPI spec. */
  operationId?: string;
  /** Quirks worth knowing (content type, URL-builder only, absent from the spec, why it is legacy). */
  notes?: string[];
}

/** One webhook event WorkOS can send. */
export interface CatalogEvent {
  /** `dsync.user.created` */
  name: string;
  /** The area an agent must be able to read to receive it. */
  area: string;
  summary: string;
  /** Endpoint ids whose calls trigger it; empty when it is "in-app only". */
  triggeredBy: string[];
  /** The seed's "Triggered by" wording: a path, or "In-app only". */
  trigger: string;
  /** Listed in the seed's table. */
  seed: boolean;
}

/** One permission area. */
export interface CatalogArea {
  /** `organizations` */
  name: string;
  /** "Organizations" */
  title: string;
  summary: string;
}

/** The result of matching a concrete request against the catalog. */
export type MatchResult =
  | { kind: 'match'; endpoint: CatalogEndpoint; params: Record<string, string> }
  /** A well-formed path that no endpoint has: deny (fail closed). */
  | { kind: 'not_found' }
  /** A path that cannot be classified safely (dot segments, encoded slashes, control characters…): refuse. */
  | { kind: 'invalid'; reason: string };
