import { registerAuditLogRoutes } from './audit-logs.js';
import { registerAuthenticateRoutes } from './authenticate.js';
import { registerDirectoryRoutes } from './directories.js';
import { registerDomainRoutes } from './domains.js';
import { listEvents } from './events.js';
import { registerInvitationRoutes } from './invitations.js';
import { registerMagicAuthRoutes } from './magic-auth.js';
import { registerMembershipRoutes } from './memberships.js';
import { registerMfaRoutes } from './mfa.js';
import { registerOrganizationRoutes } from './organizations.js';
import { registerRoleRoutes } from './roles.js';
import { Router } from './router.js';
import { registerSsoRoutes } from './sso.js';
import { registerUserRoutes } from './users.js';
import { registerWebhookEndpointRoutes } from './webhook-endpoints.js';

/** Every WorkOS path the emulator serves, one resource family at a time. */
export function buildRouter(): Router {
  const router = new Router();
  registerOrganizationRoutes(router);
  registerDomainRoutes(router);
  registerUserRoutes(router);
  registerMembershipRoutes(router);
  registerInvitationRoutes(router);
  registerAuthenticateRoutes(router);
  registerMagicAuthRoutes(router);
  registerMfaRoutes(router);
  registerSsoRoutes(router);
  registerDirectoryRoutes(router);
  registerAuditLogRoutes(router);
  registerRoleRoutes(router);
  registerWebhookEndpointRoutes(router);
  router.add('GET', '/events', listEvents);
  return router;
}
