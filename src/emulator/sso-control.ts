import { type Context, isoNow, param } from './context.js';
import { json, type Reply } from './reply.js';
import type { Router } from './router.js';
import { buildProfile, requireConnection } from './sso.js';

/** `connection.activated` / `connection.deactivated`: WorkOS emits them when an admin finishes or breaks setup. */
function setState(state: 'active' | 'inactive') {
  return (ctx: Context): Reply => {
    const connection = requireConnection(ctx.env, param(ctx, 'id'));
    const next = ctx.env.state.connections.put({
      ...connection,
      state,
      status: state === 'active' ? 'linked' : 'unlinked',
      updated_at: isoNow(ctx.env),
    });
    ctx.env.emit(
      state === 'active' ? 'connection.activated' : 'connection.deactivated',
      next,
      String(next.organization_id),
    );
    return json(200, next);
  };
}

/** `authentication.sso_succeeded` for a sign-in that happened at the IdP. */
function ssoSucceeded(ctx: Context): Reply {
  const connection = requireConnection(ctx.env, param(ctx, 'id'));
  const email = typeof ctx.body.email === 'string' ? ctx.body.email : 'user@example.com';
  const profile = buildProfile(ctx.env, connection, { email });
  const data = {
    type: 'sso',
    status: 'succeeded',
    user_id: null,
    email,
    ip_address: '127.0.0.1',
    user_agent: 'bollard-emulator',
    sso: {
      connection_id: connection.id,
      organization_id: connection.organization_id,
      profile_id: profile.id,
    },
  };
  ctx.env.emit('authentication.sso_succeeded', data, String(connection.organization_id));
  return json(201, data);
}

export function registerConnectionControl(router: Router): void {
  router
    .add('POST', '/_emulator/connections/{id}/activate', setState('active'))
    .add('POST', '/_emulator/connections/{id}/deactivate', setState('inactive'))
    .add('POST', '/_emulator/sso/{id}/succeeded', ssoSucceeded);
}
