import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeServer } from '../src/app/create-app.js';
import { eventually } from './support/eventually.js';
import { type Harness, startHarness } from './support/harness.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** An OTLP/HTTP receiver: collects the spans of every JSON export request. */
async function startCollector() {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    paths,
    close: () => closeServer(server),
  };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const AGENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${AGENT_SPAN}-01`;

async function forwardedTraceparent(h: Harness, token: string, headers: Record<string, string>) {
  await h.clearEmulatorRequests();
  const response = await fetch(`${h.proxyUrl}/organizations`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  expect(response.status).toBe(200);
  const [seen] = await h.emulatorRequests();
  return { requestId: response.headers.get('x-bollard-request-id')!, traceparent: seen?.headers.traceparent };
}

describe('traces exported over OTLP/HTTP', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let h: Harness;
  beforeAll(async () => {
    collector = await startCollector();
    h = await startHarness({ config: { otlpEndpoint: collector.url } });
  });
  afterAll(async () => {
    await h.close();
    await collector.close();
  });

  it("continues the agent's trace: spans for each stage, and a child traceparent sent to WorkOS", async () => {
    const token = await h.agent('traced', ['organizations:read']);
    const { requestId, traceparent } = await forwardedTraceparent(h, token, { traceparent: TRACEPARENT });
    const [, traceId, upstreamSpan, flags] = String(traceparent).split('-');
    expect(traceId).toBe(TRACE_ID);
    expect(upstreamSpan).not.toBe(AGENT_SPAN);
    expect(flags).toBe('01');

    const spans = await eventually(() => {
      const ours = collector.spans.filter((s) => s.traceId === TRACE_ID);
      expect(ours.map((s) => s.name).sort()).toEqual(
        ['audit_commit', 'authenticate', 'authorize', 'bollard.call', 'limit_wait', 'upstream_call'].sort(),
      );
      return ours;
    });
    expect(collector.paths[0]).toBe('POST /v1/traces application/json');
    const root = spans.find((s) => s.name === 'bollard.call')!;
    expect(root.parentSpanId).toBe(AGENT_SPAN);
    expect(root.kind).toBe(2); // SERVER
    expect(root.attributes).toContainEqual({ key: 'bollard.request_id', value: { stringValue: requestId } });
    expect(root.attributes).toContainEqual({ key: 'bollard.agent', value: { stringValue: 'traced' } });
    for (const stage of spans.filter((s) => s !== root)) {
      expect(stage.parentSpanId).toBe(root.spanId);
      expect(BigInt(stage.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(root.startTimeUnixNano));
      expect(BigInt(stage.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(root.endTimeUnixNano));
    }
    // WorkOS's side of the call hangs under Bollard's upstream span.
    const upstream = spans.find((s) => s.name === 'upstream_call')!;
    expect(upstream.spanId).toBe(upstreamSpan);
    expect(upstream.kind).toBe(3); // CLIENT
    expect(JSON.stringify(collector.spans)).not.toContain(token);
  });

  it('continues a trace the agent marked not sampled, and records none of it', async () => {
    const token = await h.agent('unsampled', ['organizations:read']);
    const unsampled = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const { traceparent } = await forwardedTraceparent(h, token, {
      traceparent: `00-${unsampled}-${AGENT_SPAN}-00`,
    });
    expect(String(traceparent)).toMatch(new RegExp(`^00-${unsampled}-[0-9a-f]{16}-00$`));
    // Spans leave in the order they were recorded: once a later sampled call's spans have arrived, any
    // span of the unsampled call would have arrived too.
    const sampled = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    await forwardedTraceparent(h, token, { traceparent: `00-${sampled}-${AGENT_SPAN}-01` });
    await eventually(() => expect(collector.spans.some((s) => s.traceId === sampled)).toBe(true));
    expect(collector.spans.filter((s) => s.traceId === unsampled)).toEqual([]);
  });

  it('starts a trace of its own when the agent sends none (or an invalid one)', async () => {
    const token = await h.agent('untraced', ['organizations:read']);
    const invalid = '00-00000000000000000000000000000000-00f067aa0ba902b7-01';
    for (const headers of [{}, { traceparent: invalid }] as Array<Record<string, string>>) {
      const { traceparent } = await forwardedTraceparent(h, token, headers);
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const traceId = String(traceparent).split('-')[1];
      expect(traceId).not.toBe('0'.repeat(32));
      await eventually(() => {
        const root = collector.spans.find((s) => s.traceId === traceId && s.name === 'bollard.call');
        expect(root).toBeDefined();
        expect(root!.parentSpanId).toBeUndefined();
      });
    }
  });
});

describe('traces with export off (the default)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it("still continues the agent's traceparent upstream, and sends none when the agent sent none", async () => {
    h = await startHarness();
    const token = await h.agent('reader', ['organizations:read']);
    const continued = await forwardedTraceparent(h, token, { traceparent: TRACEPARENT });
    const [version, traceId, spanId, flags] = String(continued.traceparent).split('-');
    expect([version, traceId, flags]).toEqual(['00', TRACE_ID, '01']);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(AGENT_SPAN);
    expect((await forwardedTraceparent(h, token, {})).traceparent).toBeUndefined();
    // The request id and the trace id are in the call's log line.
    const line = h
      .logs()
      .split('\n')
      .find((l) => l.includes(continued.requestId) && l.includes('"msg":"call"'));
    expect(JSON.parse(line!)).toMatchObject({
      requestId: continued.requestId,
      agent: 'reader',
      endpoint: expect.any(String),
      decision: 'allow',
      status: 200,
      traceId: TRACE_ID,
    });
  });
});
