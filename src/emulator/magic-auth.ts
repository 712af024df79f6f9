import { type Context, type Environment, isoNow, param, timestamps } from './context.js';
import { type FieldError, oauthError, throwIfInvalid } from './errors.js';
import { randomDigits } from './random.js';
import { LIMITS } from './rate-limits.js';
import { json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import { findUserByEmail, insertUser } from './users.js';
import { isEmail, requiredString } from './validate.js';

// Codes expire 10 minutes after creation (§2.5).
const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** Sends a code (here: stores it, readable via `/_emulator/magic_auth/last`); unknown emails are signed up. */
function create(ctx: Context): Reply {
  const { env } = ctx;
  const errors: FieldError[] = [];
  const email = requiredString(ctx.body, 'email', errors).toLowerCase();
  if (email && !isEmail(email))
    errors.push({ field: 'email', code: 'invalid_email', message: 'Email is invalid.' });
  throwIfInvalid(errors);
  env.limiter.hit(LIMITS.magicAuth, email);
  let user = findUserByEmail(env, email);
  if (!user) {
    user = insertUser(env, { email });
    env.emit('user.created', user);
  }
  const code = randomDigits(env.random, 6);
  const row = env.state.magicAuths.put({
    object: 'magic_auth',
    id: env.newId('magic_auth_'),
    user_id: user.id,
    email,
    code,
    expires_at: isoNow(env, CODE_LIFETIME_MS),
    ...timestamps(env),
  });
  env.state.lastMagicAuthCodes.set(email, code);
  const { code: _secret, ...event } = row;
  env.emit('magic_auth.created', event);
  return json(201, row);
}

/** Exchanges an unexpired, unused code for its email (single use). */
export function redeemMagicCode(env: Environment, email: string, code: string): Row {
  const match = env.state.magicAuths.find(
    (m) =>
      m.email === email.toLowerCase() &&
      m.code === code &&
      !env.state.usedMagicAuths.has(m.id) &&
      Date.parse(String(m.expires_at)) >= env.now(),
  );
  if (!match) throw oauthError('invalid_grant', `The code '${code}' has expired or is invalid.`);
  env.state.usedMagicAuths.add(match.id);
  return match;
}

export function registerMagicAuthRoutes(router: Router): void {
  router
    .add('POST', '/user_management/magic_auth', create)
    .add('GET', '/user_management/magic_auth/{id}', (ctx) =>
      json(200, requireRow(ctx.env.state.magicAuths, param(ctx, 'id'), 'MagicAuth')),
    );
}
