import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BollardError, ERRORS } from '../src/errors/index.js';

/** The README's error table: rows of `| \`code\` | status | … |`. */
function documentedErrors(): Map<string, number> {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
  const rows = new Map<string, number>();
  for (const match of readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm))
    rows.set(match[1]!, Number(match[2]));
  return rows;
}

describe('the error catalogue and the README agree', () => {
  it('every code Bollard can return is documented with its status, and the README names no code that is gone', () => {
    const documented = documentedErrors();
    const defined = new Map(Object.entries(ERRORS).map(([code, { status }]) => [code, status]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(defined));
  });
});

describe('BollardError', () => {
  it('a refusal (4xx) carries no stack, a failure (5xx) keeps its own, and the stack limit is left as it was', () => {
    const limit = Error.stackTraceLimit;
    const refusal = new BollardError('permission_denied', 'no', { agent: 'a' });
    expect(refusal.stack).toBe('BollardError: no');
    expect(refusal.toBody()).toEqual({ code: 'permission_denied', message: 'no', agent: 'a' });
    const failure = new BollardError('internal_error');
    expect(failure.stack).toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
