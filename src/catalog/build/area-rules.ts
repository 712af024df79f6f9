/**
 * Which permission area each path belongs to. First match wins, so the more specific
 * sub-resources (a user's API keys, an organization's groups) come before their parents.
 * Patterns run against normalized templates (`{}` for every parameter).
 */
const AREA_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/user_management\/users\/\{\}\/auth_factors/, 'mfa'],
  [/^\/user_management\/users\/\{\}\/api_keys/, 'api_keys'],
  [/^\/user_management\/users\/\{\}\/feature-flags/, 'feature_flags'],
  [/^\/user_management\/users\/\{\}\/(connected_accounts|data_providers)/, 'pipes'],
  [/^\/user_management\/users\/\{\}\/authorized_applications/, 'connect'],
  [/^\/user_management\/users\/\{\}\/sessions/, 'sessions'],
  [/^\/user_management\/users\/\{\}\/email_verification/, 'email_verification'],
  [/^\/user_management\/(users|authenticate|authorize)/, 'users'],
  [/^\/user_management\/magic_auth/, 'magic_auth'],
  [/^\/user_management\/organization_memberships/, 'organization_memberships'],
  [/^\/user_management\/invitations/, 'invitations'],
  [/^\/user_management\/sessions/, 'sessions'],
  [/^\/user_management\/password_reset/, 'password_reset'],
  [/^\/user_management\/email_verification/, 'email_verification'],
  [/^\/user_management\/(waitlists|waitlist_entries)/, 'waitlists'],
  [/^\/user_management\/(cors_origins|redirect_uris|jwt_template)/, 'authkit_config'],
  [/^\/user_management\/radar_challenges/, 'radar'],
  [/^\/auth\//, 'mfa'],
  [/^\/organizations\/\{\}\/api_keys/, 'api_keys'],
  [/^\/organizations\/\{\}\/feature-flags/, 'feature_flags'],
  [/^\/organizations\/\{\}\/groups/, 'groups'],
  [/^\/organizations\/\{\}\/(connected_accounts|data_providers|data_integration_configurations)/, 'pipes'],
  [/^\/organizations\/\{\}\/(audit_logs_retention|audit_log_configuration)/, 'audit_logs'],
  [/^\/organizations\/\{\}\/authorized_applications/, 'connect'],
  [/^\/organizations\/\{\}\/roles$/, 'roles'],
  [/^\/organizations(\/|$)/, 'organizations'],
  [/^\/organization_domains/, 'organization_domains'],
  [/^\/sso\/jwks/, 'sessions'],
  [/^\/(sso|connections)(\/|$)/, 'sso'],
  [/^\/(directories|directory_users|directory_groups)(\/|$)/, 'directory_sync'],
  [/^\/audit_logs\//, 'audit_logs'],
  [/^\/roles$/, 'roles'],
  [/^\/authorization\/(roles|permissions)(\/|$)/, 'roles'],
  [/^\/authorization\/organizations\/\{\}\/roles/, 'roles'],
  [/^\/authorization\//, 'authorization'],
  [/^\/events$/, 'events'],
  [/^\/webhook_endpoints/, 'webhooks'],
  [/^\/portal\//, 'admin_portal'],
  [/^\/passwordless\//, 'passwordless'],
  [/^\/vault\//, 'vault'],
  [/^\/(widgets|client)\//, 'widgets'],
  [/^\/api_keys/, 'api_keys'],
  [/^\/(sdk\/)?feature-flags/, 'feature_flags'],
  [/^\/data-integrations/, 'pipes'],
  [/^\/radar\//, 'radar'],
  [/^\/(connect|authkit)\//, 'connect'],
  [/^\/agents\//, 'agents'],
];

/** The area of a normalized template; throws so that a new WorkOS path cannot land in the catalog unclassified. */
export function areaForTemplate(normalizedPath: string): string {
  for (const [pattern, area] of AREA_RULES) if (pattern.test(normalizedPath)) return area;
  throw new Error(`no area rule for ${normalizedPath}`);
}
