import { HTTP_METHODS, type HttpMethod } from '../types.js';

/** One of the 36 endpoint rows of the seed's table, with the detail line that follows it. Build-time only. */
export interface SeedRow {
  row: number;
  method: HttpMethod;
  path: string;
  summary: string;
  access: 'read' | 'write';
  /** The detail text before "Acts on". */
  description: string;
  actsOn: string;
  version: string;
  /** Null when the seed says "None". */
  webhookEvent: string | null;
  /** "Standard limits apply" or a limit such as "50 requests / 60s per API key". */
  rateLimit: string;
}

/** One of the 21 rows of the seed's webhook table. */
export interface SeedEvent {
  name: string;
  summary: string;
  /** A path such as `/organizations/{id}`, or "In-app only". */
  trigger: string;
}

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  if (from < 0) return '';
  const to = text.indexOf(end, from + start.length);
  return text.slice(from + start.length, to < 0 ? undefined : to).trim();
}

function parseDetail(
  detail: string,
): Pick<SeedRow, 'description' | 'actsOn' | 'version' | 'webhookEvent' | 'rateLimit'> {
  const webhook = between(detail, 'Webhook event', 'Rate limit');
  return {
    description: detail.slice(0, detail.indexOf('Acts on')).trim(),
    actsOn: between(detail, 'Acts on', ' Permission (capability)'),
    version: between(detail, 'Version', ' Webhook event'),
    webhookEvent: webhook === 'None' || webhook === '' ? null : webhook,
    rateLimit: between(detail, 'Rate limit', ' Source'),
  };
}

/** The seed's endpoint rows, numbered 1–36 in the order they appear. */
export function parseSeedRows(text: string): SeedRow[] {
  const lines = text.split('\n');
  const rows: SeedRow[] = [];
  lines.forEach((line, index) => {
    const [method = '', path = '', summary = '', access = ''] = line
      .split('|')
      .map((cell) => cell.trim())
      .slice(1);
    if (!HTTP_METHODS.includes(method as HttpMethod) || !path.startsWith('/')) return;
    if (access !== 'read' && access !== 'write') return;
    const detail = lines[index + 1] ?? '';
    rows.push({
      row: rows.length + 1,
      method: method as HttpMethod,
      path,
      summary,
      access,
      ...parseDetail(detail),
    });
  });
  return rows;
}

/** The seed's webhook event rows (`name | what it signals | triggered by |`). */
export function parseSeedEvents(text: string): SeedEvent[] {
  const events: SeedEvent[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\.[a-z_]+)+) \| (.+?) \| (.+?) \|$/.exec(line.trim());
    if (match) events.push({ name: match[1] ?? '', summary: match[2] ?? '', trigger: match[3] ?? '' });
  }
  return events;
}
