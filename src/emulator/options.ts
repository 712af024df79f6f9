import type { JsonObject } from './json.js';

/** Options of `startEmulator`; every one has a default. */
export interface EmulatorOptions {
  /** Port to listen on; 0 = any free port. Default 7602. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The one key that authorizes API calls. Default `sk_test_emulator`. */
  apiKey?: string;
  /** Default `client_emulator`. */
  clientId?: string;
  /** `demo` (default) loads sample data, `none` starts empty, or a seed of your own. */
  seed?: 'demo' | 'none' | EmulatorSeed;
  /** Registers one webhook receiver at start-up that gets every event, signed with `webhookSecret`. */
  webhookUrl?: string;
  webhookSecret?: string;
  /** Enforce WorkOS's rate limits (default true, as production). */
  rateLimits?: boolean;
  /** Seeded ids, codes and secrets: two runs with the same calls and clock return the same values (a reset starts the sequence again). */
  deterministic?: boolean;
  /** The emulator clock in ms since the epoch (expiry, `created_at`, rate-limit windows). Default Date.now. */
  now?: () => number;
  /** Print one line per request to stderr. */
  logRequests?: boolean;
}

/** A seed: data referenced by name (organizations) or email (users). */
export interface EmulatorSeed {
  organizations?: SeedOrganization[];
  users?: SeedUser[];
  roles?: SeedRole[];
  connections?: SeedConnection[];
  directories?: SeedDirectory[];
  audit_events?: SeedAuditEvent[];
  webhook_endpoints?: { endpoint_url: string; events: string[]; secret?: string }[];
}

export interface SeedOrganization {
  name: string;
  id?: string;
  /** Verified domains. */
  domains?: string[];
  pending_domains?: string[];
  external_id?: string;
  metadata?: Record<string, string>;
}

export interface SeedUser {
  email: string;
  id?: string;
  password?: string;
  first_name?: string;
  last_name?: string;
  email_verified?: boolean;
  /** Organization name or id, with a role slug (default `member`). */
  memberships?: { organization: string; role?: string }[];
  /** A TOTP factor with this base32 secret; password sign-in then asks for an MFA challenge. */
  totp_secret?: string;
}

export interface SeedRole {
  slug: string;
  name: string;
  description?: string | null;
  permissions?: string[];
  /** Organization name or id for a custom organization role; absent for an environment role. */
  organization?: string;
}

export interface SeedConnection {
  organization: string;
  name: string;
  connection_type: string;
  state?: string;
  domains?: string[];
  /** People the IdP signs in; the first is the default, `login_hint` picks another. */
  profiles?: SeedProfile[];
}

export interface SeedProfile {
  email: string;
  first_name?: string;
  last_name?: string;
  groups?: string[];
  role?: string;
  raw_attributes?: JsonObject;
}

export interface SeedDirectory {
  organization: string;
  name: string;
  type: string;
  domain?: string;
  groups?: string[];
  users?: SeedDirectoryUser[];
}

export interface SeedDirectoryUser {
  email: string;
  first_name?: string;
  last_name?: string;
  job_title?: string;
  state?: 'active' | 'suspended' | 'inactive';
  groups?: string[];
  raw_attributes?: JsonObject;
}

export interface SeedAuditEvent {
  organization: string;
  action: string;
  occurred_at?: string;
  actor: { id: string; type: string; name?: string };
  targets: { id: string; type: string; name?: string }[];
  context?: { location: string; user_agent?: string };
}
