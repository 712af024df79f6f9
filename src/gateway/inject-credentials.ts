import type { ParsedBody } from './parse-body.js';

/**
 * Puts the WorkOS key where WorkOS expects it in the body. On the endpoints whose body carries
 * `client_secret` (REFERENCE §5.2: `/user_management/authenticate`, `/sso/token`; JSON or a form,
 * depending on the SDK) the body's value is replaced by the key whatever the agent put there — the
 * SDK, given the agent token as its API key, sends the agent token in that field — and added when
 * absent. The rest of the body keeps its bytes (field order, spacing, escapes) wherever the value can
 * be found unambiguously, so WorkOS receives what the SDK sent apart from the key.
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
    return Buffer.from(injectIntoJson(raw.toString('utf8'), body.value, apiKey), 'utf8');
  if (body.type === 'form') return Buffer.from(injectIntoForm(raw.toString('utf8'), apiKey), 'utf8');
  return raw;
}

const JSON_SECRET = /"client_secret"\s*:\s*("(?:[^"\\]|\\.)*")/g;

function injectIntoJson(text: string, fields: Record<string, unknown>, apiKey: string): string {
  const found = [...text.matchAll(JSON_SECRET)];
  const only = found.length === 1 ? found[0] : undefined;
  // Exactly one occurrence, holding the top-level value: splice the key in place. Anything else
  // (absent, nested copies, odd spacing) is re-serialized, which is always correct.
  if (only?.[1] !== undefined && only.index !== undefined && JSON.parse(only[1]) === fields.client_secret) {
    const start = only.index + only[0].length - only[1].length;
    return `${text.slice(0, start)}${JSON.stringify(apiKey)}${text.slice(start + only[1].length)}`;
  }
  return JSON.stringify({ ...fields, client_secret: apiKey });
}

function injectIntoForm(text: string, apiKey: string): string {
  const pairs = text.split('&').filter((pair) => pair !== '');
  // Decoded as the parser decodes it, so `client%5Fsecret` is the same field.
  const isSecret = (pair: string) => new URLSearchParams(pair).keys().next().value === 'client_secret';
  const secret = `client_secret=${encodeURIComponent(apiKey)}`;
  const kept = pairs.filter((pair) => !isSecret(pair));
  if (kept.length === pairs.length - 1)
    return pairs.map((pair) => (isSecret(pair) ? secret : pair)).join('&');
  return [...kept, secret].join('&');
}
