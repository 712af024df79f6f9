import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentService } from '../src/agents/index.js';
import { sealRecord } from '../src/audit/index.js';
import {
  JSON_SCHEMA_PATH,
  policyJsonSchemaText,
  validatePolicyText,
  watchPolicyFile,
} from '../src/policy-file/index.js';
import { openStore } from '../src/store/index.js';
import type { SealFunction, Store } from '../src/store/types.js';

const actor = { kind: 'policy' as const, name: 'test' };
let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bollard-policy-'));
  store = await openStore({ kind: 'sqlite', path: dir });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const THREE_MISTAKES = `version: 1
agents:
  - name: support-bot
    grants: [users:read, organisation:read]
  - name: provisioner
    grants:
      - users:write
    expires: 2020-01-31
  - name: support-bot
    grants: []
`;

describe('policy validate', () => {
  it('reports every mistake with its line and column', () => {
    const result = validatePolicyText(THREE_MISTAKES, { now: new Date('2026-06-01T00:00:00Z') });
    expect(result.ok).toBe(false);
    expect(result.problems.map(({ line, column, message }) => `${line}:${column} ${message}`)).toEqual([
      "4:26 unknown area 'organisation' — did you mean 'organizations'?",
      '8:14 expiry is in the past',
      "9:11 duplicate agent 'support-bot' (first declared as agents[0])",
    ]);
  });

  it('reports unknown access levels, unknown fields, wrong types and YAML syntax', () => {
    const text = 'agents:\n  - name: a\n    grants: [users:admin]\n    grant: x\n    enabled: "yes"\n';
    const problems = validatePolicyText(text).problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    expect(problems).toEqual([
      "3:14 unknown access level 'admin' in 'users:admin' (use read or write)",
      "4:5 unknown field 'grant'",
      expect.stringMatching(/^5:14 .*boolean/),
    ]);
    const syntax = validatePolicyText('agents:\n  - name: [unclosed\n');
    expect(syntax.ok).toBe(false);
    expect(syntax.problems[0]?.line).toBeGreaterThan(1);
  });

  it('checks approve: selectors against the catalog, and keeps valid ones with their approvals', () => {
    const text = [
      'agents:',
      '  - name: a',
      '    grants: [organizations:write]',
      '    approve:',
      '      - destructive',
      '      - { selector: "DELETE /organizations/{id}", approvals: 2 }',
      '      - DELETE /organisations/{id}',
      '      - organizations:admin',
      '      - { selector: secrets, approvals: 9 }',
      '',
    ].join('\n');
    const problems = validatePolicyText(text).problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^7:9 no endpoint \/organisations\/\{id\} in the catalog/),
      expect.stringMatching(/^8:9 'organizations:admin' is not an approval selector/),
      expect.stringMatching(/^9:41 .*5/),
    ]);
    const valid = validatePolicyText(text.split('\n').slice(0, 6).join('\n'));
    expect(valid).toMatchObject({
      ok: true,
      policy: {
        agents: [
          {
            approve: ['destructive', { selector: 'DELETE /organizations/{id}', approvals: 2 }],
          },
        ],
      },
    });
  });

  it('turns a valid file into the desired agents', () => {
    const result = validatePolicyText(
      'agents:\n  - name: a\n    grants: [sso:write]\n    expires: 2999-01-01\n',
    );
    expect(result).toMatchObject({
      ok: true,
      policy: {
        agents: [{ name: 'a', grants: ['sso:write'], expiresAt: '2999-01-01T00:00:00.000Z', enabled: true }],
      },
    });
  });

  it('takes mcp.tools per agent (absent: the server default) and points at a wrong mode by line:column', () => {
    const valid = validatePolicyText(
      'agents:\n  - name: a\n    grants: [users:read]\n    mcp:\n      tools: compact\n  - name: b\n',
    );
    expect(valid).toMatchObject({
      ok: true,
      policy: {
        agents: [
          { name: 'a', mcpTools: 'compact' },
          { name: 'b', mcpTools: null },
        ],
      },
    });
    const text =
      'agents:\n  - name: a\n    mcp:\n      tools: everything\n  - name: b\n    mcp: { tool: full }\n';
    const problems = validatePolicyText(text).problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    expect(problems).toEqual([
      "4:14 'everything' is not an MCP tool mode: expected full, compact, auto",
      '6:10 missing: expected full, compact, auto',
      "6:12 unknown field 'tool'",
    ]);
    const schema = JSON.parse(policyJsonSchemaText());
    expect(schema.properties.agents.items.properties.mcp.properties.tools.enum).toEqual([
      'full',
      'compact',
      'auto',
    ]);
  });

  it('publishes the JSON Schema the generator makes (run src/policy-file/write-json-schema.ts)', () => {
    expect(readFileSync(JSON_SCHEMA_PATH, 'utf8')).toBe(policyJsonSchemaText());
    const schema = JSON.parse(policyJsonSchemaText());
    expect(schema.properties.agents.items.properties.grants.items.anyOf[0].enum).toContain(
      'organizations:write',
    );
  });
});

describe('policy plan and apply', () => {
  it('plans agents added, changed and removed, with gained/lost permissions and risky-grant warnings', async () => {
    const agents = createAgentService(store, { seal: sealRecord });
    await agents.applyPolicy(
      {
        agents: [
          { name: 'keep', grants: ['users:read', 'sso:read'] },
          { name: 'gone', grants: ['mfa:read'] },
        ],
      },
      actor,
    );
    const plan = await agents.planPolicy({
      agents: [
        { name: 'keep', grants: ['users:write'] },
        { name: 'new', grants: ['organizations:write', 'audit_logs:read'] },
      ],
    });
    const byName = Object.fromEntries(plan.agents.map((agent) => [agent.name, agent]));
    expect(plan.summary).toMatchObject({ create: 1, update: 1, delete: 1, unchanged: 0 });
    expect(byName.keep).toMatchObject({ action: 'update', gained: ['users:write'], lost: ['sso:read'] });
    expect(byName.gone).toMatchObject({ action: 'delete', lost: ['mfa:read'] });
    expect(byName.new?.gained).toEqual(['audit_logs:read', 'organizations:read', 'organizations:write']);
    const warned = (name: string) => byName[name]?.warnings.map((warning) => warning.permission);
    expect(warned('keep')).toEqual(['users:write']);
    expect(warned('new')).toContain('organizations:write');
    const reasons = byName.keep?.warnings[0]?.reasons.join(' ') ?? '';
    expect(reasons).toContain('write access on users');
    expect(reasons).toMatch(/destructive endpoints: .*users\./);
  });

  it('applies atomically: a failure midway leaves the previous agents and audit chain as they were', async () => {
    const before = (await store.listAgents()).map((agent) => `${agent.name}:${JSON.stringify(agent.grants)}`);
    const headBefore = await store.auditBounds();
    let sealed = 0;
    const failOnSecond: SealFunction = (record) => {
      sealed++;
      if (sealed === 2) throw new Error('disk full (simulated)');
      return sealRecord(record);
    };
    const failing = createAgentService(store, { seal: failOnSecond });
    const policy = {
      agents: [
        { name: 'alpha', grants: ['users:read'] },
        { name: 'beta', grants: ['sso:read'] },
      ],
    };
    await expect(failing.applyPolicy(policy, actor)).rejects.toThrow('disk full');
    expect(sealed).toBeGreaterThanOrEqual(2);
    expect(
      (await store.listAgents()).map((agent) => `${agent.name}:${JSON.stringify(agent.grants)}`),
    ).toEqual(before);
    expect(await store.auditBounds()).toEqual(headBefore);

    const applied = await createAgentService(store, { seal: sealRecord }).applyPolicy(policy, actor);
    expect(applied.tokens.map((token) => token.name)).toEqual(['alpha', 'beta']);
    expect((await store.listAgents()).map((agent) => agent.name).sort()).toEqual(['alpha', 'beta']);
  });

  it('watches the file: a valid change is delivered, an invalid one is reported and not applied', async () => {
    const file = join(dir, 'bollard.yaml');
    writeFileSync(file, 'agents: []\n');
    const events: string[] = [];
    let resolveNext: () => void = () => undefined;
    const next = () => new Promise<void>((resolve) => (resolveNext = resolve));
    const stop = watchPolicyFile(
      file,
      (policy) => {
        events.push(`valid:${policy.agents.map((agent) => agent.name).join(',')}`);
        resolveNext();
      },
      (problems) => {
        events.push(`invalid:${problems[0]?.line}`);
        resolveNext();
      },
    );
    try {
      let arrived = next();
      writeFileSync(file, 'agents:\n  - name: watched\n    grants: [users:read]\n');
      await arrived;
      arrived = next();
      writeFileSync(file, 'agents:\n  - name: watched\n    grants: [userz:read]\n');
      await arrived;
    } finally {
      stop();
    }
    expect(events).toEqual(['valid:watched', 'invalid:3']);
  });
});
