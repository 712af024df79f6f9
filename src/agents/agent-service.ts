import { areaNames as catalogAreaNames, endpoints as catalogEndpoints } from '../catalog/index.js';
import type { CatalogEndpoint } from '../catalog/types.js';
import { generateAgentToken, hashToken, tokenHint } from '../credentials/agent-token.js';
import { BollardError } from '../errors/index.js';
import type { AgentRecord, AuditDraft, SealFunction, Store, StoreOp, TokenRecord } from '../store/types.js';
import { type Actor, type AdminAction, adminAuditDraft } from './actor.js';
import {
  type AgentInput,
  type AgentPatch,
  assertValidInput,
  changedFields,
  mergeFields,
} from './agent-input.js';
import { newId } from './ids.js';
import { type DesiredPolicy, type PolicyPlan, planAgents } from './policy-plan.js';

/** A token as the admin API shows it: never the token, never its hash. */
export interface TokenView {
  id: string;
  hint: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

export interface AgentView extends AgentRecord {
  tokens: TokenView[];
}

export interface AgentServiceOptions {
  seal: SealFunction;
  now?: () => Date;
  /** The catalog's area names and endpoints (default: the built-in catalog). */
  catalog?: { areaNames: readonly string[]; endpoints: readonly CatalogEndpoint[] };
}

export interface AppliedPolicy {
  plan: PolicyPlan;
  /** The token of each agent the policy created, shown once. */
  tokens: { name: string; agentId: string; token: string }[];
}

type TokenEndOp = Extract<StoreOp, { op: 'revokeToken' | 'expireToken' }>;

export type AgentService = ReturnType<typeof createAgentService>;

function isActive(token: TokenRecord, now: Date): boolean {
  return (
    token.revokedAt === null && (token.expiresAt === null || Date.parse(token.expiresAt) > now.getTime())
  );
}

/**
 * Agents and their tokens. Every change and its audit record commit in one `store.apply`.
 * @example
 *   const agents = createAgentService(store, { seal });
 *   const { agent, token } = await agents.create({ name: 'support', grants: ['users:read'] }, { kind: 'admin', name: 'admin' });
 */
export function createAgentService(store: Store, options: AgentServiceOptions) {
  const now = options.now ?? (() => new Date());
  const areaNames = options.catalog?.areaNames ?? catalogAreaNames;
  const endpoints = options.catalog?.endpoints ?? catalogEndpoints;

  async function find(idOrName: string): Promise<AgentRecord> {
    const agent = idOrName.startsWith('agt_')
      ? await store.getAgent(idOrName)
      : await store.getAgentByName(idOrName);
    if (!agent) throw new BollardError('not_found', `no agent '${idOrName}'`);
    return agent;
  }

  async function view(agent: AgentRecord): Promise<AgentView> {
    const at = now();
    const tokens = (await store.listTokens(agent.id)).map(({ hash: _hash, agentId: _agent, ...token }) => ({
      ...token,
      active: isActive({ ...token, hash: '', agentId: agent.id }, at),
    }));
    return { ...agent, tokens };
  }

  function issueToken(agentId: string, at: Date): { token: string; record: TokenRecord } {
    const token = generateAgentToken();
    const record: TokenRecord = {
      id: newId('tok', at),
      agentId,
      hash: hashToken(token),
      hint: tokenHint(token),
      createdAt: at.toISOString(),
      expiresAt: null,
      revokedAt: null,
    };
    return { token, record };
  }

  async function commit(ops: StoreOp[], drafts: AuditDraft[]): Promise<void> {
    await store.apply(ops, drafts, options.seal);
  }

  function draft(
    action: AdminAction,
    actor: Actor,
    before: AgentRecord | null,
    after: AgentRecord | null,
    extra = {},
  ) {
    return adminAuditDraft(action, actor, before, after, now().toISOString(), extra);
  }

  function newAgentOps(input: AgentInput, actor: Actor, at: Date) {
    const time = at.toISOString();
    const agent: AgentRecord = {
      id: newId('agt', at),
      name: input.name,
      ...mergeFields(null, input),
      createdAt: time,
      updatedAt: time,
    };
    const { token, record } = issueToken(agent.id, at);
    const ops: StoreOp[] = [
      { op: 'putAgent', agent },
      { op: 'putToken', token: record },
    ];
    return { agent, token, ops, audit: draft('agent.created', actor, null, agent, { tokenId: record.id }) };
  }

  /** Ops that end every active token of an agent: at once, or after a grace period (rotation). */
  async function endTokensOps(agentId: string, at: Date, graceSeconds: number): Promise<TokenEndOp[]> {
    const tokens = (await store.listTokens(agentId)).filter((token) => isActive(token, at));
    if (graceSeconds <= 0) {
      return tokens.map((token) => ({ op: 'revokeToken', tokenId: token.id, at: at.toISOString() }));
    }
    const until = at.getTime() + graceSeconds * 1000;
    return tokens.map((token) => {
      const end = token.expiresAt ? Math.min(Date.parse(token.expiresAt), until) : until;
      return { op: 'expireToken', tokenId: token.id, at: new Date(end).toISOString() };
    });
  }

  /** The policy file that owns the agents (`bollard start --policy`), or null when people manage them. */
  let managedBy: string | null = null;

  /**
   * With a policy file in charge, agents change only through it: an admin's create, update, delete or
   * policy apply would be undone (or silently kept) at the file's next apply. Tokens (rotate, revoke) are
   * not in the file and stay the operator's, so incident response is never blocked.
   */
  function assertNotManaged(actor: Actor, what: string): void {
    if (!managedBy || actor.kind !== 'admin') return;
    throw new BollardError(
      'conflict',
      `${what}: agents are managed by the policy file ${managedBy} (bollard start --policy). Change the file; it is applied when saved.`,
      { managed_by: managedBy },
    );
  }

  return {
    /** Hands agent changes to a policy file (null: back to the admin API). */
    setManagedBy(file: string | null): void {
      managedBy = file;
    },

    async create(input: AgentInput, actor: Actor): Promise<{ agent: AgentView; token: string }> {
      assertNotManaged(actor, `cannot create agent '${input.name}'`);
      assertValidInput(input, areaNames, endpoints);
      if (await store.getAgentByName(input.name)) {
        throw new BollardError('conflict', `an agent named '${input.name}' already exists`);
      }
      const { agent, token, ops, audit } = newAgentOps(input, actor, now());
      await commit(ops, [audit]);
      return { agent: await view(agent), token };
    },

    async get(idOrName: string): Promise<AgentView> {
      return view(await find(idOrName));
    },

    async list(): Promise<AgentView[]> {
      const agents = await store.listAgents();
      return Promise.all(agents.map(view));
    },

    async update(idOrName: string, patch: AgentPatch, actor: Actor): Promise<AgentView> {
      assertValidInput(patch, areaNames, endpoints);
      const before = await find(idOrName);
      const after: AgentRecord = { ...before, ...mergeFields(before, patch), updatedAt: now().toISOString() };
      const changed = changedFields(before, after);
      if (changed.length === 0) return view(before);
      assertNotManaged(actor, `cannot change agent '${before.name}'`);
      // Approvals were asked under the old policy: a changed agent voids them (a new call asks again).
      await commit(
        [
          { op: 'putAgent', agent: after },
          { op: 'voidApprovals', agentId: after.id },
        ],
        [draft('agent.updated', actor, before, after, { changed })],
      );
      return view(after);
    },

    async rotate(idOrName: string, rotation: { graceSeconds?: number }, actor: Actor) {
      const agent = await find(idOrName);
      const at = now();
      const graceSeconds = rotation.graceSeconds ?? 0;
      const ended = await endTokensOps(agent.id, at, graceSeconds);
      const { token, record } = issueToken(agent.id, at);
      const audit = draft('token.rotated', actor, agent, agent, {
        tokenId: record.id,
        graceSeconds,
        endedTokenIds: ended.map((op) => op.tokenId),
      });
      await commit([...ended, { op: 'putToken', token: record }], [audit]);
      return { agent: await view(agent), token, tokenId: record.id };
    },

    async revoke(idOrName: string, actor: Actor): Promise<AgentView> {
      const agent = await find(idOrName);
      const ended = await endTokensOps(agent.id, now(), 0);
      const ids = ended.map((op) => op.tokenId);
      await commit(ended, [draft('agent.revoked', actor, agent, agent, { revokedTokenIds: ids })]);
      return view(agent);
    },

    async delete(idOrName: string, actor: Actor): Promise<void> {
      const agent = await find(idOrName);
      assertNotManaged(actor, `cannot delete agent '${agent.name}'`);
      await commit([{ op: 'deleteAgent', agentId: agent.id }], [draft('agent.deleted', actor, agent, null)]);
    },

    /** The change a policy would make, without making it. Throws `validation_failed` on a bad agent. */
    async planPolicy(policy: DesiredPolicy): Promise<PolicyPlan> {
      for (const agent of policy.agents) assertValidInput(agent, areaNames, endpoints);
      const plan = planAgents(await store.listAgents(), policy, endpoints);
      const at = now();
      for (const item of plan.agents) {
        if (!item.before) continue;
        const agentId = item.before.id;
        const tokens = await store.listTokens(agentId);
        item.activeTokens = tokens.filter((token) => isActive({ ...token, hash: '', agentId }, at)).length;
      }
      return plan;
    },

    /** Applies a policy in ONE transaction: every agent changes, or none does. */
    async applyPolicy(policy: DesiredPolicy, actor: Actor): Promise<AppliedPolicy> {
      assertNotManaged(actor, 'cannot apply a policy through the admin API');
      const plan = await this.planPolicy(policy);
      const at = now();
      const ops: StoreOp[] = [];
      const audit: AuditDraft[] = [];
      const tokens: AppliedPolicy['tokens'] = [];
      for (const item of plan.agents) {
        if (item.action === 'create') {
          const input = policy.agents.find((agent) => agent.name === item.name) as AgentInput;
          const created = newAgentOps(input, actor, at);
          ops.push(...created.ops);
          audit.push(created.audit);
          tokens.push({ name: item.name, agentId: created.agent.id, token: created.token });
        } else if (item.action === 'update' && item.before && item.after) {
          const after: AgentRecord = { ...item.before, ...item.after, updatedAt: at.toISOString() };
          ops.push({ op: 'putAgent', agent: after }, { op: 'voidApprovals', agentId: after.id });
          audit.push(draft('agent.updated', actor, item.before, after, { changed: item.changed }));
        } else if (item.action === 'delete' && item.before) {
          ops.push({ op: 'deleteAgent', agentId: item.before.id });
          audit.push(draft('agent.deleted', actor, item.before, null));
        }
      }
      if (ops.length > 0) await commit(ops, audit);
      return { plan, tokens };
    },
  };
}
