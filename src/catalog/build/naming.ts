import { isParamSegment } from '../template.js';

/** How generated ids, summaries and "acts on" nouns are derived. Build-time only. */

/** `getUserByExternalId` → `get_user_by_external_id` */
export function snakeCase(camel: string): string {
  return camel
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** "Get an Organization by External ID" → `get_organization_by_external_id` */
export function snakeFromTitle(title: string): string {
  return title
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word && !['a', 'an', 'the'].includes(word))
    .join('_');
}

/**
 * Drops the area's own noun right after the verb: `users` + `get_user` → `get`,
 * `users` + `get_user_by_external_id` → `get_by_external_id`, while `list_environment_roles` stays.
 */
export function stripAreaNoun(name: string, area: string): string {
  const tokens = name.split('_');
  const nouns = [area, area.replace(/s$/, '')].map((noun) => noun.split('_'));
  for (const noun of nouns) {
    const candidate = tokens.slice(1, 1 + noun.length);
    if (tokens.length > noun.length && candidate.join('_') === noun.join('_')) {
      return [tokens[0], ...tokens.slice(1 + noun.length)].join('_');
    }
  }
  return name;
}

const WORD_CASE: Record<string, string> = { it: 'IT', api: 'API', oauth2: 'OAuth2', m2m: 'M2M' };

/** `listWaitlistEntries` → "List waitlist entries." */
export function sentenceFromMethod(sdkMethod: string): string {
  const words = snakeCase(sdkMethod.split('.').pop() ?? sdkMethod).split('_');
  const text = words.map((word) => WORD_CASE[word] ?? word).join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

const ACTION_WORDS = new Set([
  'verify',
  'challenge',
  'enroll',
  'send',
  'confirm',
  'revoke',
  'resend',
  'accept',
  'approve',
  'deny',
  'enable',
  'disable',
  'deactivate',
  'reactivate',
  'invite',
  'expire',
  'check',
  'authorize',
  'complete',
  'validate',
  'decrypt',
  'rekey',
  'generate_link',
  'token',
  'tokens',
  'logout',
  'authenticate',
  'validations',
]);

/** Segments that say how an object is looked up, not what it is. */
const LOOKUP_WORDS = new Set(['v1', 'external_id', 'by_token', 'name']);

function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses') || word.endsWith('ss')) return word;
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

/** The object a call acts on, from its last meaningful literal segment: `/organizations/{id}/api_keys` → "api key". */
export function actsOnFromPath(path: string): string {
  const literals = path
    .split('/')
    .filter((segment) => segment && !isParamSegment(segment) && !LOOKUP_WORDS.has(segment));
  let index = literals.length - 1;
  while (index > 0 && ACTION_WORDS.has(literals[index] ?? '')) index--;
  return singular(literals[index] ?? '').replace(/[_-]/g, ' ');
}

/** `[Profile](/reference/sso/profile)` → `Profile`: the docs' relative links mean nothing outside them. */
export function stripMarkdownLinks(text: string): string {
  return text.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');
}

/** First sentence of a spec description when it is short enough to be a summary line. */
export function firstSentence(text: string): string | null {
  const match = /^(.+?[.!?])(\s|$)/.exec(stripMarkdownLinks(text));
  const sentence = match?.[1] ?? '';
  return sentence.length >= 12 && sentence.length <= 200 && !sentence.includes('`') ? sentence : null;
}
