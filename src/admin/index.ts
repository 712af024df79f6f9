/** The admin HTTP API: agents, audit, catalog and policy, behind the admin token. */
export {
  ADMIN_TOKEN_PREFIX,
  type AdminTokenState,
  adminTokenMatches,
  ensureAdminToken,
  generateAdminToken,
  hashAdminToken,
} from './admin-token.js';
export { type AuditEntry, type AuditFilter, mergeOutcome, queryAuditEntries } from './audit-view.js';
export { PUBLIC_ROUTES, type RegisteredRoute, registeredRoutes } from './auth.js';
export { CONSOLE_BUILD_DIR } from './console/assets.js';
export {
  type ConsoleSessions,
  CSRF_HEADER,
  createConsoleSessions,
  SESSION_COOKIE,
} from './console/sessions.js';
export { type AdminExposure, targetProblem } from './request-guard.js';
export type { CatalogSource } from './routes/catalog.js';
export { type AdminServerOptions, API_PREFIX, buildAdminServer } from './server.js';
