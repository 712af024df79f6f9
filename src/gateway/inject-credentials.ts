import type { ParsedBody } from './parse-body.js';

/**
 * Puts the WorkOS key where WorkOS expects it. The agent's Authorization header is replaced by the
 * key; on the endpoints whose body carries `client_secret` (REFERENCE §5.2: `/user_management/authenticate`
 * as JSON, `/sso/token` as a form) the body's value is replaced by the key whatever the agent put
 * there — the SDK, given the agent token as its API key, sends the agent token in that field.
 * Returns the body to forward (the original bytes when nothing changed).
 */
export function injectClientSecret(
  raw: Buffer,
  body: ParsedBody,
  apiKey: string,
  carriesClientSecret: boolean,
): Buffer {
  if (!carriesClientSecret || !body.value) return raw;
  if (body.type === 'json')
    return Buffer.from(JSON.stringify({ ...body.value, client_secret: apiKey }), 'utf8');
  if (body.type === 'form') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body.value))
      if (key !== 'client_secret') form.append(key, String(value));
    form.append('client_secret', apiKey);
    return Buffer.from(form.toString(), 'utf8');
  }
  return raw;
}
