import { type Context, isoNow, param, timestamps } from './context.js';
import { codedError, type FieldError, throwIfInvalid } from './errors.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { randomToken } from './random.js';
import { empty, json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import { optionalString, requiredString } from './validate.js';

const DAY_MS = 86_400_000;

/** `POST /user_management/invitations`: an invitation to sign up, optionally into an organization. */
function send(ctx: Context): Reply {
  const { env, body } = ctx;
  const errors: FieldError[] = [];
  const email = requiredString(body, 'email', errors);
  const organizationId = optionalString(body, 'organization_id', errors);
  const inviter = optionalString(body, 'inviter_user_id', errors);
  const role = optionalString(body, 'role_slug', errors);
  const days = typeof body.expires_in_days === 'number' ? body.expires_in_days : 7;
  throwIfInvalid(errors);
  if (organizationId) requireRow(env.state.organizations, organizationId, 'Organization');
  const token = randomToken(env.random, 25);
  const row = env.state.invitations.put({
    object: 'invitation',
    id: env.newId('invitation_'),
    email,
    state: 'pending',
    accepted_at: null,
    revoked_at: null,
    expires_at: new Date(env.now() + days * DAY_MS).toISOString(),
    token,
    accept_invitation_url: `https://auth.workos.test/invite?invitation_token=${token}`,
    organization_id: organizationId ?? null,
    inviter_user_id: inviter ?? null,
    accepted_user_id: null,
    ...(role ? { role_slug: role } : {}),
    ...timestamps(env),
  });
  env.emit('invitation.created', row, organizationId);
  return json(201, row);
}

function list(ctx: Context): Reply {
  const { query, env } = ctx;
  const org = query.get('organization_id');
  const email = query.get('email');
  const rows = env.state.invitations.filter(
    (i) => (!org || i.organization_id === org) && (!email || i.email === email),
  );
  return json(200, listEnvelope(paginate(rows, readPageParams(query))));
}

function change(ctx: Context, state: 'revoked' | 'accepted' | null, event: string): Reply {
  const row = requireRow(ctx.env.state.invitations, param(ctx, 'id'), 'Invitation');
  if (row.state !== 'pending')
    throw codedError(400, 'invite_not_pending', `The invitation is ${String(row.state)}, not pending.`);
  const at = isoNow(ctx.env);
  const next = ctx.env.state.invitations.put({
    ...row,
    ...(state === 'revoked' ? { state, revoked_at: at } : {}),
    ...(state === 'accepted' ? { state, accepted_at: at } : {}),
    updated_at: at,
  } as Row);
  ctx.env.emit(event, next, (row.organization_id as string | null) ?? undefined);
  return state === null ? json(200, next) : empty(200);
}

export function registerInvitationRoutes(router: Router): void {
  const base = '/user_management/invitations';
  router
    .add('POST', base, send)
    .add('GET', base, list)
    .add('GET', `${base}/by_token/{token}`, (ctx) => {
      const token = param(ctx, 'token');
      const row = ctx.env.state.invitations.find((i) => i.token === token);
      return json(200, row ?? requireRow(ctx.env.state.invitations, '', 'Invitation'));
    })
    .add('GET', `${base}/{id}`, (ctx) =>
      json(200, requireRow(ctx.env.state.invitations, param(ctx, 'id'), 'Invitation')),
    )
    .add('POST', `${base}/{id}/revoke`, (ctx) => change(ctx, 'revoked', 'invitation.revoked'))
    .add('POST', `${base}/{id}/accept`, (ctx) => change(ctx, 'accepted', 'invitation.accepted'))
    .add('POST', `${base}/{id}/resend`, (ctx) => change(ctx, null, 'invitation.resent'));
}
