import { HTTP_METHODS, type HttpMethod } from '../types.js';

/** One row of REFERENCE.md §1.3, "Full table of SDK v11 HTTP calls". Build-time only. */
export interface SdkCall {
  method: HttpMethod;
  /** Path template as the SDK sends it, without any query string. */
  path: string;
  sdkMethods: string[];
  /** The table's area column ("Organizations", "Vault"). */
  area: string;
  /** "R", "W", "R (POST)", "W (browser)". */
  readWrite: string;
  notes: string;
  /** ★ (a seed endpoint) or ★→ (the call that replaces a seed path). */
  seedMark: string;
}

const SECTION_START = '### 1.3';

function cells(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

/** `sso.getAuthorizationUrl(opts)` / `internal getJWKS()` → the dotted names, arguments dropped. */
function sdkMethodNames(cell: string): string[] {
  const names = [...cell.matchAll(/`([^`]+)`/g)].map((match) => (match[1] ?? '').replace(/\([^)]*\)/g, ''));
  return names.filter((name) => /^[A-Za-z]+\.[A-Za-z0-9]+$/.test(name));
}

/** Parses the §1.3 table; throws when the section is missing so a moved heading cannot pass silently. */
export function parseSdkCalls(markdown: string): SdkCall[] {
  const start = markdown.indexOf(SECTION_START);
  if (start < 0) throw new Error('REFERENCE.md: §1.3 not found');
  const end = markdown.indexOf('\n## ', start);
  const calls: SdkCall[] = [];
  for (const line of markdown.slice(start, end < 0 ? undefined : end).split('\n')) {
    if (!line.startsWith('|')) continue;
    const [seedMark = '', method = '', pathCell = '', sdkCell = '', area = '', readWrite = '', notes = ''] =
      cells(line);
    if (!HTTP_METHODS.includes(method as HttpMethod)) continue;
    const path = pathCell.replace(/`/g, '').split('?')[0] ?? '';
    calls.push({
      method: method as HttpMethod,
      path,
      sdkMethods: sdkMethodNames(sdkCell),
      area,
      readWrite,
      notes,
      seedMark,
    });
  }
  return calls;
}
