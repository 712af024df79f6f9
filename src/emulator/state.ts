import type { JsonObject } from './json.js';
import { Table } from './table.js';

/** A stored wire object: the JSON WorkOS returns, with its id. */
export type Row = JsonObject & { id: string; created_at: string; updated_at: string };

/** A single-use code or token with an expiry (SSO codes, AuthKit codes, pending authentication). */
export interface Grant {
  expiresAt: number;
  used: boolean;
  userId?: string;
  connectionId?: string;
  profile?: JsonObject;
  organizationId?: string;
  codeChallenge?: string;
  /** For pending authentication tokens: the factors the user must pass. */
  factorIds?: string[];
}

/** One event as `GET /events` lists it; `organizationId` drives its filter. */
export interface StoredEvent {
  row: JsonObject & { id: string };
  organizationId?: string;
}

/**
 * Everything the emulator knows, in memory. Wire objects live in tables; the secrets that WorkOS
 * never returns (password hashes, TOTP secrets, SMS codes) live beside them, keyed by id.
 */
export class EmulatorState {
  readonly organizations = new Table<Row>();
  readonly domains = new Table<Row>();
  readonly users = new Table<Row>();
  readonly memberships = new Table<Row>();
  readonly invitations = new Table<Row>();
  readonly connections = new Table<Row>();
  readonly directories = new Table<Row>();
  readonly directoryUsers = new Table<Row>();
  readonly directoryGroups = new Table<Row>();
  readonly magicAuths = new Table<Row>();
  readonly factors = new Table<Row>();
  readonly challenges = new Table<Row>();
  readonly auditEvents = new Table<Row>();
  readonly auditExports = new Table<Row>();
  /** Audit Logs schemas: one row per version of an action's schema. */
  readonly auditSchemas = new Table<Row>();
  readonly roles = new Table<Row>();
  readonly webhookEndpoints = new Table<Row>();
  readonly events: StoredEvent[] = [];

  /** user id → scrypt hash */
  readonly passwordHashes = new Map<string, string>();
  /** factor id → base32 TOTP secret */
  readonly totpSecrets = new Map<string, string>();
  /** challenge id → the one-time code sent for it (SMS, generic OTP) */
  readonly challengeCodes = new Map<string, string>();
  /** directory user id → group ids */
  readonly groupMembers = new Map<string, Set<string>>();
  /** connection id → the profiles its IdP signs in (first is the default) */
  readonly connectionProfiles = new Map<string, JsonObject[]>();
  /** domain ids whose DNS TXT record a test has declared present */
  readonly dnsRecordsPresent = new Set<string>();
  /** email → last magic-auth code; phone number → last SMS code (readable through control endpoints) */
  readonly lastMagicAuthCodes = new Map<string, string>();
  readonly lastSmsCodes = new Map<string, string>();

  readonly ssoCodes = new Map<string, Grant>();
  readonly ssoAccessTokens = new Map<string, Grant>();
  readonly authCodes = new Map<string, Grant>();
  readonly refreshTokens = new Map<string, Grant>();
  readonly pendingTokens = new Map<string, Grant>();
  readonly sessions = new Map<string, { userId: string; revoked: boolean }>();
  /** download token → export id and expiry (URLs expire after 10 minutes, §2.11) */
  readonly exportTokens = new Map<string, { exportId: string; expiresAt: number }>();
  /** audit export id → the filters it was created with */
  readonly exportQueries = new Map<string, JsonObject>();
  /** organization role id → its organization */
  readonly roleOrganizations = new Map<string, string>();
  /** magic-auth ids already exchanged, challenge ids already verified (both single use) */
  readonly usedMagicAuths = new Set<string>();
  readonly verifiedChallenges = new Set<string>();
}
