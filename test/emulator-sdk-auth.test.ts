import { createHmac, createPublicKey, createVerify } from 'node:crypto';
import { GenericServerException, OauthException, WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_PASSWORD,
  DEMO_TOTP_SECRET,
  type RunningEmulator,
  startEmulator,
} from '../src/emulator/index.js';

let emu: RunningEmulator;
let workos: WorkOS;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
  const port = Number(new URL(emu.url).port);
  workos = new WorkOS(emu.apiKey, {
    apiHostname: '127.0.0.1',
    port,
    https: false,
    clientId: emu.clientId,
    maxRetries: 0,
  });
});
afterAll(() => emu.close());

/** RFC 6238 written independently of the emulator's, so a shared mistake cannot pass. */
function referenceTotp(base32: string, timeMs: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...base32].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g)?.map((b) => Number.parseInt(b, 2)) ?? []);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Verifies an RS256 JWT against the emulator's JWKS, fetched without an API key (as `jose` does). */
async function verifyWithJwks(token: string): Promise<Record<string, unknown>> {
  const jwks = (await (await fetch(workos.userManagement.getJwksUrl(emu.clientId))).json()) as {
    keys: Record<string, string>[];
  };
  const [header, payload, signature] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString());
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error('kid not in JWKS');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const ok = createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(key, Buffer.from(signature, 'base64url'));
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(payload, 'base64url').toString());
}

describe('password grant', () => {
  it('signs in against the stored hash and returns a JWT the JWKS verifies', async () => {
    const result = await workos.userManagement.authenticateWithPassword({
      email: 'grace@acme.test',
      password: DEMO_PASSWORD,
    });
    expect(result.user.email).toBe('grace@acme.test');
    expect(result.organizationId).toMatch(/^org_/);
    const claims = await verifyWithJwks(result.accessToken);
    expect(claims.sub).toBe(result.user.id);
    expect(claims.org_id).toBe(result.organizationId);
    const refreshed = await workos.userManagement.authenticateWithRefreshToken({
      refreshToken: result.refreshToken,
    });
    expect(refreshed.user.id).toBe(result.user.id);
    const reused = await workos.userManagement
      .authenticateWithRefreshToken({ refreshToken: result.refreshToken })
      .catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(OauthException);
  });

  it('refuses a wrong password and a wrong client secret', async () => {
    const wrong = await workos.userManagement
      .authenticateWithPassword({ email: 'grace@acme.test', password: 'nope' })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(GenericServerException);
    expect((wrong as GenericServerException).code).toBe('invalid_credentials');
    const response = await fetch(`${emu.url}/user_management/authenticate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'password',
        client_id: emu.clientId,
        client_secret: 'sk_other',
        email: 'grace@acme.test',
        password: DEMO_PASSWORD,
      }),
    });
    expect([response.status, await response.json()]).toEqual([
      400,
      { error: 'invalid_client', error_description: 'Invalid client ID or secret.' },
    ]);
  });
});

describe('magic auth grant', () => {
  it('sends a 6-digit code that expires, works once, and is readable through the control endpoint', async () => {
    const sent = await workos.userManagement.createMagicAuth({ email: 'newcomer@acme.test' });
    expect(sent.code).toMatch(/^\d{6}$/);
    expect(Date.parse(sent.expiresAt) - Date.parse(sent.createdAt)).toBe(10 * 60 * 1000);
    expect((await workos.userManagement.getMagicAuth(sent.id)).code).toBe(sent.code);
    const last = (await (
      await fetch(`${emu.url}/_emulator/magic_auth/last?email=newcomer@acme.test`)
    ).json()) as { code: string };
    expect(last.code).toBe(sent.code);
    const ok = await workos.userManagement.authenticateWithMagicAuth({
      email: 'newcomer@acme.test',
      code: sent.code,
    });
    expect(ok.user.id).toBe(sent.userId);
    const again = await workos.userManagement
      .authenticateWithMagicAuth({ email: 'newcomer@acme.test', code: sent.code })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(OauthException);
    expect((again as OauthException).error).toBe('invalid_grant');
  });
});

describe('MFA', () => {
  it('enrolls TOTP and verifies RFC 6238 codes; a wrong code is 201 valid:false', async () => {
    const factor = await workos.multiFactorAuth.enrollFactor({
      type: 'totp',
      issuer: 'Bollard',
      user: 'ops@acme.test',
    });
    const totp = factor.totp;
    if (!totp) throw new Error('enrolment returned no totp');
    expect(totp.uri).toContain(`secret=${totp.secret}`);
    expect(totp.qrCode).toMatch(/^data:image\/png;base64,/);
    const first = await workos.multiFactorAuth.challengeFactor({ authenticationFactorId: factor.id });
    const code = referenceTotp(totp.secret, Date.now());
    const wrongCode = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    const wrong = await workos.multiFactorAuth.verifyChallenge({
      authenticationChallengeId: first.id,
      code: wrongCode,
    });
    expect(wrong.valid).toBe(false);
    const right = await workos.multiFactorAuth.verifyChallenge({ authenticationChallengeId: first.id, code });
    expect(right.valid).toBe(true);
    expect((await workos.multiFactorAuth.getFactor(factor.id)).type).toBe('totp');
    await workos.multiFactorAuth.deleteFactor(factor.id);
  });

  it('sends SMS codes a test can read, and returns generic OTP codes', async () => {
    const sms = await workos.multiFactorAuth.enrollFactor({ type: 'sms', phoneNumber: '+15555550123' });
    const challenge = await workos.multiFactorAuth.challengeFactor({ authenticationFactorId: sms.id });
    const { code } = (await (
      await fetch(`${emu.url}/_emulator/sms/last?phone_number=%2B15555550123`)
    ).json()) as { code: string };
    expect(
      (await workos.multiFactorAuth.verifyChallenge({ authenticationChallengeId: challenge.id, code })).valid,
    ).toBe(true);
    const otp = await workos.multiFactorAuth.enrollFactor({ type: 'generic_otp' });
    const otpChallenge = await workos.multiFactorAuth.challengeFactor({ authenticationFactorId: otp.id });
    expect(otpChallenge.code).toMatch(/^\d{6}$/);
  });

  it('completes the TOTP grant after a password sign-in asks for a challenge', async () => {
    const gate = await workos.userManagement
      .authenticateWithPassword({ email: 'ada@acme.test', password: DEMO_PASSWORD })
      .catch((e: unknown) => e);
    const raw = (
      gate as {
        rawData: {
          code: string;
          pending_authentication_token: string;
          authentication_factors: { id: string }[];
        };
      }
    ).rawData;
    expect(raw.code).toBe('mfa_challenge');
    const challenge = await workos.multiFactorAuth.challengeFactor({
      authenticationFactorId: raw.authentication_factors[0].id,
    });
    const result = await workos.userManagement.authenticateWithTotp({
      code: referenceTotp(DEMO_TOTP_SECRET, Date.now()),
      authenticationChallengeId: challenge.id,
      pendingAuthenticationToken: raw.pending_authentication_token,
    });
    expect(result.user.email).toBe('ada@acme.test');
  });
});

describe('SSO and AuthKit redirects', () => {
  it('authorizes with a 302, exchanges the form-encoded code for a profile, and reads it back', async () => {
    const connection = (await workos.sso.listConnections({ connectionType: 'OktaSAML' as never })).data[0];
    const url = workos.sso.getAuthorizationUrl({
      clientId: emu.clientId,
      connection: connection.id,
      redirectUri: 'https://app.test/cb',
      state: 's 1',
      loginHint: 'grace@acme.test',
    });
    const redirect = await fetch(url, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const back = new URL(redirect.headers.get('location') ?? '');
    expect([back.origin + back.pathname, back.searchParams.get('state')]).toEqual([
      'https://app.test/cb',
      's 1',
    ]);
    const { profile, accessToken } = await workos.sso.getProfileAndToken({
      code: back.searchParams.get('code') ?? '',
      clientId: emu.clientId,
    });
    expect([profile.email, profile.connectionId, profile.connectionType]).toEqual([
      'grace@acme.test',
      connection.id,
      'OktaSAML',
    ]);
    expect((await workos.sso.getProfile({ accessToken })).id).toBe(profile.id);
    const reuse = await workos.sso
      .getProfileAndToken({ code: back.searchParams.get('code') ?? '', clientId: emu.clientId })
      .catch((e: unknown) => e);
    expect(reuse).toBeInstanceOf(OauthException);
  });

  it('runs the AuthKit code flow and the logout redirect', async () => {
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      redirectUri: 'https://app.test/cb',
      loginHint: 'alan@globex.test',
      clientId: emu.clientId,
    });
    const redirect = await fetch(url, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const result = await workos.userManagement.authenticateWithCode({ code, clientId: emu.clientId });
    expect(result.user.email).toBe('alan@globex.test');
    const sid = String((await verifyWithJwks(result.accessToken)).sid);
    const logout = await fetch(
      workos.userManagement.getLogoutUrl({ sessionId: sid, returnTo: 'https://app.test/bye' }),
      { redirect: 'manual' },
    );
    expect([logout.status, logout.headers.get('location')]).toEqual([302, 'https://app.test/bye']);
  });
});
