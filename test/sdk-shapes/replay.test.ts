import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { ALL_SEED_GRANTS } from '../support/seed-calls.js';
import {
  type Answer,
  addThirdOrganization,
  comparableHeaders,
  comparableLog,
  prepare,
  send,
} from './replay.js';
import { paginationShapes, shapes, type WireShape } from './shapes.js';

// A fixed emulator clock and seeded ids: replaying a call after a reset gives the same answer, byte for byte.
const FIXED_NOW = Date.parse('2026-12-01T12:00:00.000Z');

let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startHarness({
    // Bollard's own shaping is not under test here; a dozen sign-ins of one email would wait on it.
    config: { rateLimits: 'off' },
    emulator: { deterministic: true, now: () => FIXED_NOW },
  });
  token = await h.agent('sdk-shapes', ALL_SEED_GRANTS);
});

afterAll(async () => {
  await h?.close();
});

/** One side of a comparison: fresh state, the call, and what the emulator received. */
async function replay(shape: WireShape, base: string, secret: string) {
  const vars = { ...(await prepare(h)), secret };
  const answer = await send(base, shape, vars);
  const log = await h.emulatorRequests();
  return { answer, log };
}

function describeShape(shape: WireShape): string {
  const row = shape.row === null ? '' : `row ${shape.row} `;
  return `${row}${shape.method} ${shape.path}${shape.query ? `?${shape.query}` : ''} [key: ${shape.key}] — ${shape.provenance}`;
}

describe('every SDK request shape gets the same answer through Bollard as directly', () => {
  const all = shapes();

  it('covers every seed row the SDKs request, and both client_secret endpoints in each SDK', () => {
    const rows = new Set(all.map((shape) => shape.row));
    for (let row = 1; row <= 36; row++) if (row !== 20) expect(rows, `row ${row}`).toContain(row);
    const sdks = new Set(all.map((shape) => shape.sdk));
    expect(sdks.size).toBe(5);
    for (const sdk of sdks)
      for (const path of ['/user_management/authenticate', '/sso/token'])
        expect(all.some((s) => s.sdk === sdk && s.path === path)).toBe(true);
    // The cause of the 12 differences: the key only as client_secret, no Authorization header.
    expect(all.filter((shape) => shape.key === 'client_secret').length).toBeGreaterThanOrEqual(7);
  });

  it.each(all.map((shape) => [describeShape(shape), shape] as const))('%s', async (_name, shape) => {
    const direct = await replay(shape, h.emulator.url, h.emulator.apiKey);
    const proxied = await replay(shape, h.proxyUrl, token);

    // Each shape is a call WorkOS accepts: a refusal on both sides would prove nothing.
    expect(direct.answer.status, direct.answer.body).toBeLessThan(400);
    expectSameAnswer(proxied.answer, direct.answer);

    // The emulator saw one request each time, identical apart from the key, which its log masks
    // to its type (`sk_test_***`): an agent token reaching it would show as `bol_***`.
    expect(direct.log).toHaveLength(1);
    expect(proxied.log).toHaveLength(1);
    expect(comparableLog(proxied.log[0]!)).toEqual(comparableLog(direct.log[0]!));
    expect(JSON.stringify(proxied.log)).not.toContain('bol_');
    expect(JSON.stringify(proxied.log)).not.toContain(token);
  });
});

function expectSameAnswer(proxied: Answer, direct: Answer): void {
  expect(proxied.status).toBe(direct.status);
  expect(proxied.body).toBe(direct.body);
  expect(comparableHeaders(proxied)).toEqual(comparableHeaders(direct));
}

describe('pagination over three pages, each SDK', () => {
  it.each(paginationShapes().map((p) => [p.dialect, p] as const))('%s', async (_name, pages) => {
    const walk = async (base: string, secret: string) => {
      const vars = { ...(await prepare(h, () => addThirdOrganization(h))), secret };
      const answers: Answer[] = [];
      let shape = pages.first;
      for (let page = 0; page < 5; page++) {
        const answer = await send(base, shape, vars);
        answers.push(answer);
        const after = JSON.parse(answer.body).list_metadata?.after as string | null;
        if (!after) break;
        shape = pages.next(after);
      }
      return { answers, log: (await h.emulatorRequests()).map(comparableLog) };
    };
    const direct = await walk(h.emulator.url, h.emulator.apiKey);
    const proxied = await walk(h.proxyUrl, token);

    expect(direct.answers).toHaveLength(3);
    expect(direct.answers.map((a) => JSON.parse(a.body).data.length)).toEqual([1, 1, 1]);
    expect(proxied.answers).toHaveLength(3);
    for (const [i, answer] of direct.answers.entries()) expectSameAnswer(proxied.answers[i]!, answer);
    expect(proxied.log).toEqual(direct.log);
  });
});
