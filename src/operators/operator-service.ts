import { randomUUID } from 'node:crypto';
import { AGENT_NAME_PATTERN } from '../agents/agent-input.js';
import { newId } from '../agents/ids.js';
import { auditDraft } from '../audit/draft.js';
import { BollardError } from '../errors/index.js';
import type { AuditDraft, OperatorRecord, OperatorRole, SealFunction, Store } from '../store/types.js';
import { generateOperatorToken, hashOperatorToken, operatorTokenHint } from './operator-token.js';
import { OPERATOR_ROLES } from './roles.js';

/** The bootstrap admin token's operator name; no named operator may take it. */
export const BOOTSTRAP_OPERATOR = 'admin';

/** Who made a change through the admin API: a named operator, or the bootstrap admin token. */
export interface OperatorActor {
  name: string;
  role: OperatorRole;
  requestId?: string;
  clientIp?: string | null;
  userAgent?: string | null;
}

/** An operator as the admin API shows it: never the token, never its hash. */
export type OperatorView = Omit<OperatorRecord, 'hash'> & { active: boolean };

export function operatorView(operator: OperatorRecord): OperatorView {
  const { hash: _hash, ...rest } = operator;
  return { ...rest, active: operator.revokedAt === null };
}

/** One audit record for an operator, freeze or approval change: who did it, what, and to what. */
export function controlAuditDraft(
  action: string,
  actor: OperatorActor,
  time: string,
  details: Record<string, unknown>,
  subject: { agentId?: string | null; agentName?: string | null; resourceIds?: string[] } = {},
): AuditDraft {
  return auditDraft({
    kind: 'admin',
    time,
    requestId: actor.requestId ?? `adm_${randomUUID()}`,
    agentId: subject.agentId ?? null,
    agentName: subject.agentName ?? null,
    reason: action,
    rule: `admin:${actor.name}`,
    resourceIds: subject.resourceIds ?? [],
    clientIp: actor.clientIp ?? null,
    userAgent: actor.userAgent ?? null,
    details: { action, actor: { kind: 'admin', name: actor.name, role: actor.role }, ...details },
  });
}

export type OperatorService = ReturnType<typeof createOperatorService>;

/**
 * Named operators: created with a role and a token shown once, listed, revoked. Each change commits
 * with its audit record in one `store.apply`.
 */
export function createOperatorService(store: Store, options: { seal: SealFunction; now?: () => Date }) {
  const now = options.now ?? (() => new Date());

  async function find(idOrName: string): Promise<OperatorRecord> {
    const found = (await store.listOperators()).find((o) => o.id === idOrName || o.name === idOrName);
    if (!found) throw new BollardError('not_found', `no operator '${idOrName}'`);
    return found;
  }

  return {
    async list(): Promise<OperatorView[]> {
      return (await store.listOperators()).map(operatorView);
    },

    async get(idOrName: string): Promise<OperatorView> {
      return operatorView(await find(idOrName));
    },

    async create(
      input: { name: string; role: OperatorRole },
      actor: OperatorActor,
    ): Promise<{ operator: OperatorView; token: string }> {
      if (!AGENT_NAME_PATTERN.test(input.name)) {
        throw new BollardError('validation_failed', `name: '${input.name}' is not a valid operator name`, {
          errors: [{ path: 'name', message: "lowercase letters, digits, '.', '_', '-'; at most 63" }],
        });
      }
      if (!OPERATOR_ROLES.includes(input.role)) {
        throw new BollardError('validation_failed', `role: expected ${OPERATOR_ROLES.join(', ')}`, {
          errors: [{ path: 'role', message: `expected ${OPERATOR_ROLES.join(', ')}` }],
        });
      }
      if (input.name === BOOTSTRAP_OPERATOR) {
        throw new BollardError('conflict', `'${BOOTSTRAP_OPERATOR}' is the bootstrap admin token's name`);
      }
      if ((await store.listOperators()).some((o) => o.name === input.name)) {
        throw new BollardError('conflict', `an operator named '${input.name}' already exists`);
      }
      const at = now();
      const token = generateOperatorToken();
      const operator: OperatorRecord = {
        id: newId('opr', at),
        name: input.name,
        role: input.role,
        hash: hashOperatorToken(token),
        hint: operatorTokenHint(token),
        createdAt: at.toISOString(),
        createdBy: actor.name,
        revokedAt: null,
      };
      await store.apply(
        [{ op: 'putOperator', operator }],
        [
          controlAuditDraft('operator.created', actor, at.toISOString(), {
            operator: { id: operator.id, name: operator.name, role: operator.role },
          }),
        ],
        options.seal,
      );
      return { operator: operatorView(operator), token };
    },

    async revoke(idOrName: string, actor: OperatorActor): Promise<OperatorView> {
      const operator = await find(idOrName);
      const at = now().toISOString();
      await store.apply(
        [{ op: 'revokeOperator', operatorId: operator.id, at }],
        [
          controlAuditDraft('operator.revoked', actor, at, {
            operator: { id: operator.id, name: operator.name, role: operator.role },
          }),
        ],
        options.seal,
      );
      return operatorView({ ...operator, revokedAt: operator.revokedAt ?? at });
    },
  };
}
