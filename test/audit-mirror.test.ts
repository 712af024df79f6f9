import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BollardApp, createApp, listen } from '../src/app/create-app.js';
import { loadConfig } from '../src/config/index.js';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { eventFor } from '../src/sinks/index.js';
import { auditRecords, type EmulatorLogEntry } from './support/harness.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

interface MirroredEvent {
  organization_id: string;
  action: string;
  actor: { type: string; id: string; name?: string };
  targets: Array<{ type: string; id: string }>;
  metadata: { seq: number; request_id: string; endpoint?: string; count?: number };
}

let emulator: RunningEmulator;
let app: BollardApp;
let dataDir: string;
let port: number;

/** WorkOS's overall limit, made small so the limiter has work to do. */
const LIMIT = 12;

/** Bollard on the same data directory and emulator each time; WorkOS's limit made small (LIMIT requests / s) unless given. */
async function startApp(mirror: Record<string, unknown> = {}, generalLimit = `${LIMIT}/1`): Promise<void> {
  const config = loadConfig(
    {
      dataDir,
      port: 0,
      adminPort: 0,
      auditSynchronous: 'normal',
      generalLimit,
      rateLimitReserve: 0,
      auditSinks: [{ type: 'workos', retryMinMs: 20, retryMaxMs: 200, ...mirror }],
    },
    {},
  );
  app = await createApp(config, {
    logger: pino({ level: 'silent' }),
    upstream: { url: emulator.url, apiKey: emulator.apiKey },
    sinks: { pollMs: 20 },
  });
  port = Number(new URL(await listen(app.proxy, 0, '127.0.0.1')).port);
}

/** WorkOS's request log: each request's path and when it came. */
async function requestLog(): Promise<EmulatorLogEntry[]> {
  return (await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as EmulatorLogEntry[];
}

/** The most of `times` (epoch ms) in any one second. */
function busiestSecond(times: number[]): number {
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 1_000).length));
}

/** The events Bollard mirrored (the demo data has events of its own). */
async function mirrored(): Promise<MirroredEvent[]> {
  const events = (await (
    await fetch(`${emulator.url}/_emulator/audit_logs/events`)
  ).json()) as MirroredEvent[];
  return events.filter((event) => event.actor.type === 'bollard_agent');
}

/** The seqs of the records that should be mirrored: agent calls that name an organization. */
async function mirrorable(): Promise<number[]> {
  return (await auditRecords(app))
    .filter((record) => eventFor(record, { decisions: ['allow', 'deny'] }) !== null)
    .map((record) => record.seq);
}

/** Waits until the mirror's cursor is at the head, then answers the events' seqs. */
async function mirroredSeqs(): Promise<number[]> {
  await vi.waitFor(async () => {
    const [cursor] = await app.store.sinkCursors.list();
    expect(cursor?.seq).toBe((await app.store.auditBounds()).lastSeq);
  }, 60_000);
  return (await mirrored()).map((event) => event.metadata.seq);
}

async function schemaVersions(action: string): Promise<number> {
  const response = await fetch(`${emulator.url}/audit_logs/actions/${action}/schemas`, {
    headers: { authorization: `Bearer ${emulator.apiKey}` },
  });
  return ((await response.json()) as { data: unknown[] }).data.length;
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-mirror-'));
  await startApp();
});

afterAll(async () => {
  await app?.close();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('WorkOS Audit Logs mirror', () => {
  it('sends each agent call as an event with the agent as actor, the objects as targets, the organization; once, through the limiter', async () => {
    const { token, agent } = await app.agents.create(
      { name: 'mirror-bot', grants: ['organizations:read'] },
      { kind: 'admin', name: 'test' },
    );
    const sdk = new WorkOS(token, { apiHostname: '127.0.0.1', port, https: false, maxRetries: 5 } as never);
    const { data: orgs } = await sdk.organizations.listOrganizations();
    const org = orgs[0]!;
    for (let i = 0; i < 10; i++) await sdk.organizations.getOrganization(org.id);
    for (let i = 0; i < 3; i++)
      await expect(sdk.userManagement.listUsers({ organizationId: org.id })).rejects.toThrow();

    // Every call that names an organization (the list names none), each once; the limiter's own 429s are denials too.
    expect(await mirroredSeqs()).toEqual(await mirrorable());
    const events = await mirrored();
    const allowed = events.filter((e) => e.action === 'bollard.call.allowed');
    const denied = events.filter((e) => e.action === 'bollard.call.denied');
    expect(allowed).toHaveLength(10);
    expect(denied.filter((e) => e.metadata.endpoint === 'users.list')).toHaveLength(3);
    for (const event of events) {
      expect(event.actor).toEqual({ type: 'bollard_agent', id: agent.id, name: 'mirror-bot' });
      expect(event.organization_id).toBe(org.id);
      expect(event.targets).toContainEqual({ type: 'organization', id: org.id });
    }
    expect(allowed[0]!.metadata.endpoint).toBe('organizations.get');
    expect(await schemaVersions('bollard.call.allowed')).toBe(1);
    expect(await schemaVersions('bollard.call.denied')).toBe(1);

    // Bollard's limiter shaped the mirror's requests with the agent's: never more than LIMIT in any second at WorkOS.
    const log = await requestLog();
    const busiest = busiestSecond(
      log.filter((entry) => !entry.path.startsWith('/_emulator')).map((entry) => Date.parse(entry.time)),
    );
    const mirrorCalls = log.filter((entry) => entry.path.startsWith('/audit_logs')).length;
    console.log(
      `${events.length} events mirrored (${denied.length} denials); ${mirrorCalls} mirror requests; busiest second at WorkOS: ${busiest} requests (limit ${LIMIT})`,
    );
    expect(busiest).toBeLessThanOrEqual(LIMIT);
  });

  it('never duplicates an event when records are sent again after a restart that lost the cursor', async () => {
    const before = await mirrored();
    await app.close();
    // As if every cursor update had been lost: the mirror starts over from the first record.
    const db = new Database(path.join(dataDir, 'bollard.db'));
    db.prepare('UPDATE audit_sink_cursors SET seq = 0').run();
    db.close();
    await startApp();
    const { token } = await app.agents.create(
      { name: 'mirror-bot-2', grants: ['organizations:read'] },
      { kind: 'admin', name: 'test' },
    );
    const sdk = new WorkOS(token, { apiHostname: '127.0.0.1', port, https: false, maxRetries: 5 } as never);
    await sdk.organizations.getOrganization(before[0]!.organization_id);
    const seqs = await mirroredSeqs();
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(await mirrorable());
    expect(seqs.length).toBe(before.length + 1);
    expect(await schemaVersions('bollard.call.allowed')).toBe(1);
  });

  it('never sends faster than its own ceiling, however much the limiter would allow', async () => {
    await app.close();
    const RATE = 4;
    // WorkOS's limit made generous: only the mirror's own ceiling holds it back.
    await startApp({ maxEventsPerSecond: RATE }, '100000/1');
    const { token } = await app.agents.create(
      { name: 'mirror-burst', grants: ['organizations:read'] },
      { kind: 'admin', name: 'test' },
    );
    const sdk = new WorkOS(token, { apiHostname: '127.0.0.1', port, https: false } as never);
    const orgId = (await mirrored())[0]!.organization_id;
    const sentBefore = (await requestLog()).filter((e) => e.path === '/audit_logs/events').length;
    await Promise.all(Array.from({ length: 12 }, () => sdk.organizations.getOrganization(orgId)));
    const seqs = await mirroredSeqs();
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(await mirrorable());
    const sent = (await requestLog()).filter((e) => e.path === '/audit_logs/events');
    expect(sent.length - sentBefore).toBe(12);
    // Spaced 1/RATE s apart, any one second holds RATE + 1 at most as sent; one more for arrival jitter. The
    // 12 calls came at once, so without the ceiling the mirror would send them within one second.
    const busiest = busiestSecond(sent.slice(sentBefore).map((e) => Date.parse(e.time)));
    console.log(`12 calls at once, mirrored at most ${busiest} in any second (ceiling ${RATE}/s)`);
    expect(busiest).toBeLessThanOrEqual(RATE + 2);
  });

  it('mirrors an aggregate of repeated denials as one event that says how many calls it stands for', async () => {
    const { token, agent } = await app.agents.create(
      { name: 'mirror-flood', grants: ['organizations:read'] },
      { kind: 'admin', name: 'test' },
    );
    const sdk = new WorkOS(token, { apiHostname: '127.0.0.1', port, https: false } as never);
    const orgId = (await mirrored())[0]!.organization_id;
    const CALLS = 45;
    await Promise.all(
      Array.from({ length: CALLS }, () =>
        sdk.userManagement.listUsers({ organizationId: orgId }).catch(() => undefined),
      ),
    );
    await app.agentDenials.flush();
    await app.audit.flush();
    const seqs = await mirroredSeqs();
    expect(seqs).toEqual(await mirrorable());
    const events = (await mirrored()).filter((event) => event.actor.id === agent.id);
    // Past the first ones of a second the denials were counted, not recorded each: fewer events, every call told.
    expect(events.length).toBeLessThan(CALLS);
    expect(events.reduce((sum, event) => sum + (event.metadata.count ?? 1), 0)).toBe(CALLS);
    expect(events.every((event) => event.action === 'bollard.call.denied')).toBe(true);
  });
});
