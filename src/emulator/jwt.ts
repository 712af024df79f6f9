import { createSign, generateKeyPair, type KeyObject } from 'node:crypto';
import type { JsonObject } from './json.js';

/** The RSA key behind `/sso/jwks/{clientId}` and every RS256 access token. */
export interface SigningKeys {
  kid: string;
  /** Resolves once the key exists (generated in the background so start-up stays fast). */
  ready: Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;
}

export function createSigningKeys(kid: string): SigningKeys {
  const ready = new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve({ publicKey, privateKey }),
    );
  });
  return { kid, ready };
}

/** The JWKS document: one RS256 signing key as a JWK (`kty`, `n`, `e` from the real key). */
export async function jwks(keys: SigningKeys): Promise<JsonObject> {
  const { publicKey } = await keys.ready;
  const jwk = publicKey.export({ format: 'jwk' });
  return { keys: [{ alg: 'RS256', kty: 'RSA', use: 'sig', kid: keys.kid, n: jwk.n ?? '', e: jwk.e ?? '' }] };
}

/** Signs `claims` as a compact RS256 JWT whose header names the JWKS key id. */
export async function signJwt(keys: SigningKeys, claims: JsonObject): Promise<string> {
  const { privateKey } = await keys.ready;
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: keys.kid }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
