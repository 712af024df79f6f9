import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUpstreamBreaker,
  retryAfterFor,
  shouldRetryOnce,
  UpstreamUnavailableError,
} from '../src/ratelimit/index.js';

/** A scriptable upstream on port 0: answers `status`, after `delayMs`, and counts what reached it. */
const upstream = { status: 200, delayMs: 0, received: 0 };
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    upstream.received++;
    setTimeout(
      () => res.writeHead(upstream.status, { 'content-type': 'application/json' }).end('{}'),
      upstream.delayMs,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function call(target = url) {
  const res = await request(target);
  await res.body.dump();
  return res;
}

async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Calls through the breaker until one is let through (the half-open probe), or gives up after ~10 s. */
async function untilLetThrough(breaker: ReturnType<typeof createUpstreamBreaker>) {
  for (let i = 0; i < 200; i++) {
    try {
      return await breaker.execute(() => call());
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('the breaker never let a probe through');
}

describe('upstream circuit breaker', () => {
  it('opens after consecutive 503s, fails fast with Retry-After, then half-opens and closes', async () => {
    const breaker = createUpstreamBreaker({ threshold: 3, halfOpenAfterMs: 300 });
    upstream.status = 503;
    upstream.received = 0;
    for (let i = 0; i < 3; i++) expect((await breaker.execute(() => call())).statusCode).toBe(503);
    expect(breaker.state()).toBe('open');

    const failFast = await breaker.execute(() => call()).catch((e: unknown) => e);
    expect(failFast).toBeInstanceOf(UpstreamUnavailableError);
    expect((failFast as UpstreamUnavailableError).retryAfterSeconds).toBe(1);
    expect(upstream.received).toBe(3);

    upstream.status = 200;
    expect((await untilLetThrough(breaker)).statusCode).toBe(200);
    expect(upstream.received).toBe(4);
    expect(breaker.state()).toBe('closed');
  });

  it('a failing probe opens it again', async () => {
    const breaker = createUpstreamBreaker({ threshold: 2, halfOpenAfterMs: 200 });
    upstream.status = 502;
    await breaker.execute(() => call());
    await breaker.execute(() => call());
    expect(breaker.state()).toBe('open');
    upstream.status = 504;
    expect((await untilLetThrough(breaker)).statusCode).toBe(504);
    expect(breaker.state()).toBe('open');
  });

  it('while the probe is in flight, other calls fail fast instead of queueing', async () => {
    const breaker = createUpstreamBreaker({ threshold: 1, halfOpenAfterMs: 200 });
    upstream.status = 503;
    await breaker.execute(() => call());
    upstream.status = 200;
    upstream.delayMs = 300;
    try {
      let probe: Promise<unknown> | null = null;
      for (let i = 0; i < 200 && !probe; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const attempt = breaker.execute(() => call());
        if (breaker.state() === 'half_open') probe = attempt;
        else await attempt.catch(() => undefined);
      }
      expect(breaker.state()).toBe('half_open');
      await expect(breaker.execute(() => call())).rejects.toBeInstanceOf(UpstreamUnavailableError);
      await probe;
      expect(breaker.state()).toBe('closed');
    } finally {
      upstream.delayMs = 0;
    }
  });

  it('counts connection errors, but not 4xx or 429 answers', async () => {
    const breaker = createUpstreamBreaker({ threshold: 3, halfOpenAfterMs: 60_000 });
    for (const status of [400, 404, 429, 422, 429, 409]) {
      upstream.status = status;
      expect((await breaker.execute(() => call())).statusCode).toBe(status);
    }
    expect(breaker.state()).toBe('closed');
    const closed = await closedPortUrl();
    for (let i = 0; i < 3; i++)
      await expect(breaker.execute(() => call(closed))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(breaker.state()).toBe('open');
    const failFast = await breaker.execute(() => call()).catch((e: unknown) => e);
    expect((failFast as UpstreamUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(59);
  });
});

describe('retryAfterFor', () => {
  it.each([
    [429, '7', '7'],
    [429, 'Wed, 21 Oct 2026 07:28:00 GMT', 'Wed, 21 Oct 2026 07:28:00 GMT'],
    [503, ['3'], '3'],
    [500, ' 12 ', '12'],
    [429, undefined, '1'],
    [429, 'soon', '1'],
    [429, '-1', '1'],
    [502, null, '2'],
    [504, '', '2'],
    [400, '5', null],
    [404, undefined, null],
    [200, '5', null],
  ] as const)('status %i with Retry-After %j → %j', (status, header, expected) => {
    expect(retryAfterFor(status, header as string | string[] | undefined | null)).toBe(expected);
  });
});

describe('shouldRetryOnce', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it('retries a refused connection once, before any byte was sent, inside the budget', () => {
    expect(shouldRetryOnce(refused, 0)).toBe(true);
    expect(shouldRetryOnce(refused, 0, { attempt: 1, elapsedMs: 999 })).toBe(true);
    expect(shouldRetryOnce(refused, 1)).toBe(false);
    expect(shouldRetryOnce(refused, 0, { attempt: 2, elapsedMs: 10 })).toBe(false);
    expect(shouldRetryOnce(refused, 0, { attempt: 1, elapsedMs: 1000 })).toBe(false);
    expect(shouldRetryOnce(refused, 0, { attempt: 1, elapsedMs: 1500, budgetMs: 2000 })).toBe(true);
  });

  it('reads the cause of a fetch failure, and never retries timeouts or other errors', () => {
    expect(shouldRetryOnce(new TypeError('fetch failed', { cause: refused }), 0)).toBe(true);
    const headersTimeout = Object.assign(new Error('timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(shouldRetryOnce(headersTimeout, 0)).toBe(false);
    expect(shouldRetryOnce(new Error('boom'), 0)).toBe(false);
    expect(shouldRetryOnce('ECONNREFUSED', 0)).toBe(false);
  });

  it('recognises the error undici really throws for a closed port', async () => {
    const error = await call(await closedPortUrl()).catch((e: unknown) => e);
    expect(shouldRetryOnce(error, 0)).toBe(true);
  });
});
