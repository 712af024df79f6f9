import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OperatorActor } from '../src/operators/index.js';
import { type Harness, startHarness } from './support/harness.js';
import { connectMcp, structured } from './support/mcp-client.js';

vi.setConfig({ testTimeout: 60_000 });

const alice: OperatorActor = { name: 'alice', role: 'approver' };
const bob: OperatorActor = { name: 'bob', role: 'approver' };

/** What the official SDK threw, as plain data. */
async function outcome(promise: Promise<unknown>) {
  try {
    await promise;
    return { ok: true as const };
  } catch (error) {
    const e = error as {
      status?: number;
      code?: string;
      message?: string;
      rawData?: Record<string, unknown>;
    };
    return { ok: false as const, status: e.status, code: e.code, message: e.message, body: e.rawData ?? {} };
  }
}

let made = 0;
/** A fresh organization to act on (creating one needs no approval under these rules). */
async function newOrganization(h: Harness, token: string): Promise<string> {
  made++;
  return (await h.sdk(token).organizations.createOrganization({ name: `Target ${made}` })).id;
}

const upstreamCalls = async (h: Harness, method: string) =>
  (await h.emulatorRequests()).filter((r) => r.method === method).map((r) => r.path);

describe('a call held open for a decision (BOLLARD_APPROVAL_WAIT_MS)', () => {
  let h: Harness;
  let notifications: { body: string; signature: string }[];
  let receiver: Server;
  const secret = 'notify-secret-0123456789';

  beforeAll(async () => {
    notifications = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        notifications.push({ body, signature: String(req.headers['bollard-signature']) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    h = await startHarness({
      config: {
        approvalWaitMs: 20_000,
        approvalNotifyUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`,
        approvalNotifySecret: secret,
      },
    });
  });

  afterAll(async () => {
    await h?.close();
    receiver?.close();
  });

  it('approved within the hold window: the first call itself is answered, one DELETE reaches WorkOS; the request was announced, signed', async () => {
    const { token } = await h.app.agents.create(
      { name: 'holder', grants: ['organizations:write'], approve: ['destructive'] },
      { kind: 'admin', name: 'test' },
    );
    const orgId = await newOrganization(h, token);
    await h.clearEmulatorRequests();
    const call = outcome(h.sdk(token).organizations.deleteOrganization(orgId));
    const pending = await vi.waitFor(
      async () => {
        const [found] = await h.app.approvals.list({ status: 'pending' });
        expect(found).toBeDefined();
        return found!;
      },
      { timeout: 15_000, interval: 20 },
    );
    expect(await upstreamCalls(h, 'DELETE')).toEqual([]);
    await h.app.approvals.approve(pending.id, alice, 'looks right');
    expect(await call).toEqual({ ok: true });
    expect(await upstreamCalls(h, 'DELETE')).toEqual([`/organizations/${orgId}`]);
    expect((await h.app.approvals.get(pending.id)).status).toBe('used');

    await vi.waitFor(() => expect(notifications).toHaveLength(1));
    const [note] = notifications;
    const { t, v1 } = Object.fromEntries(note!.signature.split(',').map((part) => part.split('='))) as Record<
      string,
      string
    >;
    expect(createHmac('sha256', secret).update(`${t}.${note!.body}`).digest('hex')).toBe(v1);
    const message = JSON.parse(note!.body) as { text: string; approval: Record<string, unknown> };
    expect(message.text).toContain(
      `Approval needed (${pending.id}): holder would call DELETE /organizations/${orgId}`,
    );
    expect(message.text).toContain(`bollard approvals approve ${pending.id}`);
    expect(message.approval).toMatchObject({ id: pending.id, agentName: 'holder', status: 'pending' });
  });

  it('two-person rule: one approval keeps the call held, the same operator cannot count twice, a second operator releases it', async () => {
    const { token } = await h.app.agents.create(
      {
        name: 'two-person',
        grants: ['organizations:write'],
        approve: ['destructive', { selector: 'DELETE /organizations/{id}', approvals: 2 }],
      },
      { kind: 'admin', name: 'test' },
    );
    const orgId = await newOrganization(h, token);
    await h.clearEmulatorRequests();
    const call = outcome(h.sdk(token).organizations.deleteOrganization(orgId));
    const pending = await vi.waitFor(async () => {
      const found = (await h.app.approvals.list({ status: 'pending' })).find(
        (a) => a.agentName === 'two-person',
      );
      expect(found).toBeDefined();
      return found!;
    });
    expect(pending).toMatchObject({ required: 2, selector: 'DELETE /organizations/{id}' });
    expect(await h.app.approvals.approve(pending.id, alice)).toMatchObject({
      status: 'pending',
      approvalsGiven: 1,
    });
    await expect(h.app.approvals.approve(pending.id, alice)).rejects.toMatchObject({ code: 'conflict' });
    expect(await upstreamCalls(h, 'DELETE')).toEqual([]);
    expect(await h.app.approvals.approve(pending.id, bob)).toMatchObject({
      status: 'approved',
      approvalsGiven: 2,
    });
    expect(await call).toEqual({ ok: true });
    expect(await upstreamCalls(h, 'DELETE')).toEqual([`/organizations/${orgId}`]);
    const decisions = (await h.app.approvals.get(pending.id)).decisions.map((d) => d.operator);
    expect(decisions).toEqual(['alice', 'bob']);
  });

  it('a freeze refuses a held call at once; a denial answers the held call with the reason', async () => {
    const { token } = await h.app.agents.create(
      { name: 'frozen-while-held', grants: ['organizations:write'], approve: ['destructive'] },
      { kind: 'admin', name: 'test' },
    );
    const orgA = await newOrganization(h, token);
    const orgB = await newOrganization(h, token);
    const held = outcome(h.sdk(token).organizations.deleteOrganization(orgA));
    await vi.waitFor(async () =>
      expect(
        (await h.app.approvals.list({ status: 'pending' })).some((a) => a.agentName === 'frozen-while-held'),
      ).toBe(true),
    );
    await h.app.freezes.freeze({ target: { agent: 'frozen-while-held' }, reason: 'incident 9' }, alice);
    expect(await held).toMatchObject({ status: 403, code: 'frozen', body: { frozen_reason: 'incident 9' } });
    await h.app.freezes.unfreeze({ agent: 'frozen-while-held' }, alice);

    const second = outcome(h.sdk(token).organizations.deleteOrganization(orgB));
    const pending = await vi.waitFor(async () => {
      const found = (await h.app.approvals.list({ status: 'pending' })).find(
        (a) => a.path === `/organizations/${orgB}`,
      );
      expect(found).toBeDefined();
      return found!;
    });
    await h.app.approvals.deny(pending.id, bob, 'not this one');
    expect(await second).toMatchObject({
      status: 403,
      code: 'approval_denied',
      body: { denied_by: 'bob', denial_reason: 'not this one' },
    });
    expect(await upstreamCalls(h, 'DELETE')).not.toContain(`/organizations/${orgB}`);
  });
});

describe('what an approval covers: the exact body, before its expiry, under the policy it was asked under', () => {
  let h: Harness;
  let offsetMs = 0;

  beforeAll(async () => {
    h = await startHarness({
      config: { approvalWaitMs: 0, approvalTtlMs: 15 * 60_000 },
      app: { now: () => Date.now() + offsetMs },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('a changed body is refused: it needs an approval of its own; the approved body then goes once', async () => {
    const { token } = await h.app.agents.create(
      { name: 'renamer', grants: ['organizations:write'], approve: ['PUT /organizations/{id}'] },
      { kind: 'admin', name: 'test' },
    );
    const orgId = await newOrganization(h, token);
    await h.clearEmulatorRequests();
    const sdk = h.sdk(token);
    const first = await outcome(
      sdk.organizations.updateOrganization({ organization: orgId, name: 'Approved Name' }),
    );
    expect(first).toMatchObject({ status: 403, code: 'approval_required' });
    await h.app.approvals.approve(first.ok ? '' : String(first.body.approval_id), alice);

    const changed = await outcome(
      sdk.organizations.updateOrganization({ organization: orgId, name: 'Sneaky Name' }),
    );
    expect(changed).toMatchObject({ status: 403, code: 'approval_required' });
    expect(changed.ok ? null : changed.body.approval_id).not.toBe(first.ok ? null : first.body.approval_id);
    expect(await upstreamCalls(h, 'PUT')).toEqual([]);

    expect(
      await outcome(sdk.organizations.updateOrganization({ organization: orgId, name: 'Approved Name' })),
    ).toEqual({
      ok: true,
    });
    expect(await upstreamCalls(h, 'PUT')).toEqual([`/organizations/${orgId}`]);
  });

  it('an expired approval is refused: the retry after its expiry asks anew and nothing reaches WorkOS', async () => {
    const { token } = await h.app.agents.create(
      { name: 'slowpoke', grants: ['organizations:write'], approve: ['destructive'] },
      { kind: 'admin', name: 'test' },
    );
    const orgId = await newOrganization(h, token);
    await h.clearEmulatorRequests();
    const sdk = h.sdk(token);
    const first = await outcome(sdk.organizations.deleteOrganization(orgId));
    const id = first.ok ? '' : String(first.body.approval_id);
    await h.app.approvals.approve(id, alice);
    offsetMs += 16 * 60_000; // past the 15-minute expiry
    const late = await outcome(sdk.organizations.deleteOrganization(orgId));
    expect(late).toMatchObject({ status: 403, code: 'approval_required' });
    expect(late.ok ? null : late.body.approval_id).not.toBe(id);
    expect((await h.app.approvals.get(id)).status).toBe('expired');
    expect(await upstreamCalls(h, 'DELETE')).toEqual([]);
  });

  it('a change to the agent voids its pending requests: they can no longer be approved', async () => {
    const { token } = await h.app.agents.create(
      { name: 'changing', grants: ['organizations:write'], approve: ['destructive'] },
      { kind: 'admin', name: 'test' },
    );
    const orgId = await newOrganization(h, token);
    const first = await outcome(h.sdk(token).organizations.deleteOrganization(orgId));
    const id = first.ok ? '' : String(first.body.approval_id);
    await h.app.agents.update(
      'changing',
      { description: 'now with a description' },
      { kind: 'admin', name: 'test' },
    );
    expect((await h.app.approvals.get(id)).status).toBe('void');
    await expect(h.app.approvals.approve(id, alice)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('over MCP, the tool result tells the model the approval id and to call again with the same arguments', async () => {
    const { token } = await h.app.agents.create(
      { name: 'mcp-cleaner', grants: ['organizations:write'], approve: ['destructive'], mcpTools: 'full' },
      { kind: 'admin', name: 'test' },
    );
    const orgId = await newOrganization(h, token);
    const client = await connectMcp(h.proxyUrl, token);
    try {
      const result = await client.callTool({ name: 'organizations_delete', arguments: { id: orgId } });
      expect(result.isError).toBe(true);
      const text = (result.content as { type: string; text: string }[])[0]!.text;
      const id = String(structured(result).approval_id);
      expect(id).toMatch(/^apr_/);
      expect(text).toContain(`bollard approvals approve ${id}`);
      expect(text).toContain('call this tool again with exactly the same arguments');
      await h.app.approvals.approve(id, alice);
      const again = await client.callTool({ name: 'organizations_delete', arguments: { id: orgId } });
      expect(again.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
