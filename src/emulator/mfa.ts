import { type Context, type Environment, isoNow, param, timestamps } from './context.js';
import { codedError, type FieldError, throwIfInvalid } from './errors.js';
import type { JsonObject } from './json.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { randomDigits } from './random.js';
import { empty, json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import { base32Encode, otpauthUri, verifyTotp } from './totp.js';
import { optionalString, requiredString } from './validate.js';

// Challenges expire 10 minutes after creation, as recorded.
const CHALLENGE_LIFETIME_MS = 10 * 60 * 1000;
// A valid 1×1 PNG: WorkOS returns a scannable QR code here; apps only display it, tests use `secret`/`uri`.
const QR_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** Creates a TOTP factor with `secret` (base32) and returns the enrolment response, secrets included. */
export function insertTotpFactor(
  env: Environment,
  issuer: string,
  user: string,
  secret: string,
  userId?: string,
): JsonObject {
  const row = env.state.factors.put({
    object: 'authentication_factor',
    id: env.newId('auth_factor_'),
    type: 'totp',
    ...(userId ? { user_id: userId } : {}),
    totp: { issuer, user },
    ...timestamps(env),
  });
  env.state.totpSecrets.set(row.id, secret);
  return {
    ...row,
    totp: {
      issuer,
      user,
      secret,
      qr_code: `data:image/png;base64,${QR_PNG}`,
      uri: otpauthUri(secret, issuer, user),
    },
  };
}

export function newTotpSecret(env: Environment): string {
  return base32Encode(env.random.bytes(20));
}

function enroll(ctx: Context, userId?: string): Reply {
  const { env, body } = ctx;
  const errors: FieldError[] = [];
  const type = requiredString(body, 'type', errors);
  if (type && !['totp', 'sms', 'generic_otp'].includes(type))
    errors.push({ field: 'type', code: 'invalid_factor_type' });
  const owner = userId ?? optionalString(body, 'user_id', errors);
  if (type === 'totp') {
    requiredString(body, 'totp_issuer', errors);
    requiredString(body, 'totp_user', errors);
  }
  const phone = type === 'sms' ? requiredString(body, 'phone_number', errors) : '';
  throwIfInvalid(errors);
  if (owner) requireRow(env.state.users, owner, 'User');
  if (type === 'totp') {
    const factor = insertTotpFactor(
      env,
      String(body.totp_issuer),
      String(body.totp_user),
      newTotpSecret(env),
      owner,
    );
    return json(201, factor);
  }
  if (type === 'sms' && !/^\+[1-9]\d{6,14}$/.test(phone)) {
    throw codedError(422, 'invalid_phone_number', 'Phone number is invalid.');
  }
  const row = env.state.factors.put({
    object: 'authentication_factor',
    id: env.newId('auth_factor_'),
    type,
    ...(owner ? { user_id: owner } : {}),
    ...(type === 'sms' ? { sms: { phone_number: phone } } : {}),
    ...timestamps(env),
  });
  return json(201, row);
}

/** Creates a challenge; SMS and generic OTP factors get a 6-digit code (SMS codes are readable via control). */
export function createChallenge(env: Environment, factor: Row): Row {
  const challenge = env.state.challenges.put({
    object: 'authentication_challenge',
    id: env.newId('auth_challenge_'),
    authentication_factor_id: factor.id,
    expires_at: isoNow(env, CHALLENGE_LIFETIME_MS),
    ...timestamps(env),
  });
  if (factor.type === 'totp') return challenge;
  const code = randomDigits(env.random, 6);
  env.state.challengeCodes.set(challenge.id, code);
  if (factor.type === 'sms')
    env.state.lastSmsCodes.set(String((factor.sms as JsonObject).phone_number), code);
  return factor.type === 'generic_otp' ? { ...challenge, code } : challenge;
}

function challenge(ctx: Context): Reply {
  const factor = requireRow(ctx.env.state.factors, param(ctx, 'id'), 'AuthenticationFactor');
  return json(201, createChallenge(ctx.env, factor));
}

/** True when `code` answers the challenge; expired or already-verified challenges are 422s, as recorded. */
export function checkChallenge(env: Environment, challengeRow: Row, code: string): boolean {
  if (env.state.verifiedChallenges.has(challengeRow.id)) {
    throw codedError(
      422,
      'authentication_challenge_previously_verified',
      `The authentication challenge '${challengeRow.id}' has already been verified.`,
    );
  }
  if (Date.parse(String(challengeRow.expires_at)) < env.now()) {
    throw codedError(
      422,
      'authentication_challenge_expired',
      `The authentication challenge '${challengeRow.id}' has expired.`,
    );
  }
  const factorId = String(challengeRow.authentication_factor_id);
  const secret = env.state.totpSecrets.get(factorId);
  const valid = secret
    ? verifyTotp(secret, code, env.now())
    : env.state.challengeCodes.get(challengeRow.id) === code;
  if (valid) env.state.verifiedChallenges.add(challengeRow.id);
  return valid;
}

/** A wrong code is still 201, with `valid: false` (production behaviour, §2.6). */
function verify(ctx: Context): Reply {
  const errors: FieldError[] = [];
  const code = requiredString(ctx.body, 'code', errors);
  throwIfInvalid(errors);
  const row = requireRow(ctx.env.state.challenges, param(ctx, 'id'), 'AuthenticationChallenge');
  const valid = checkChallenge(ctx.env, row, code);
  return json(201, { challenge: row, valid });
}

function remove(ctx: Context): Reply {
  const factor = requireRow(ctx.env.state.factors, param(ctx, 'id'), 'AuthenticationFactor');
  ctx.env.state.factors.delete(factor.id);
  ctx.env.state.totpSecrets.delete(factor.id);
  return empty(204);
}

function listUserFactors(ctx: Context): Reply {
  const user = requireRow(ctx.env.state.users, param(ctx, 'id'), 'User');
  const rows = ctx.env.state.factors.filter((f) => f.user_id === user.id);
  return json(200, listEnvelope(paginate(rows, readPageParams(ctx.query))));
}

export function registerMfaRoutes(router: Router): void {
  router
    .add('POST', '/auth/factors/enroll', (ctx) => enroll(ctx))
    .add('GET', '/auth/factors/{id}', (ctx) =>
      json(200, requireRow(ctx.env.state.factors, param(ctx, 'id'), 'AuthenticationFactor')),
    )
    .add('DELETE', '/auth/factors/{id}', remove)
    .add('POST', '/auth/factors/{id}/challenge', challenge)
    .add('POST', '/auth/challenges/{id}/verify', verify)
    .add('GET', '/user_management/users/{id}/auth_factors', listUserFactors);
}
