import { z } from 'zod';
import { AGENT_NAME_PATTERN, MCP_TOOL_MODES, parseDurationSeconds } from '../agents/index.js';

/** `30d`, `12h`, `10m`, `45s`, `2w`. */
const duration = z
  .string()
  .refine(
    (value) => parseDurationSeconds(value) !== null,
    'expected a duration such as 30d, 12h, 10m or 45s',
  );

const fieldConstraint = z.strictObject({
  allow: z.array(z.string()).optional(),
  match: z.array(z.string()).optional(),
  absent: z.boolean().optional(),
});

/** A grant with restrictions: pinned organizations, argument constraints, redaction. */
const grantObject = z.strictObject({
  permission: z.string().meta({ examples: ['users:write'] }),
  organizations: z.array(z.string()).optional(),
  constraints: z.record(z.string(), z.record(z.string(), fieldConstraint)).optional(),
  redact: z.array(z.string()).optional(),
  revealSecrets: z.boolean().optional(),
});

const grantList = z
  .array(
    z.union([
      z.string().meta({
        examples: ['users:read', 'organizations:write', 'users:read@org_01EHZNVPK3SFK441A1RGBFSHRT'],
      }),
      grantObject,
    ]),
  )
  .meta({
    description:
      'Permissions, AREA:read or AREA:write; write includes read. AREA:read@org_… pins a grant to organizations; an object adds constraints and redaction.',
  });

const organizations = z
  .array(z.string())
  .nullable()
  .meta({ description: 'Organizations every grant is pinned to (org_…); null: not pinned agent-wide.' });

/**
 * Grants as input: the canonical list (`["users:read"]`), or the `{ "users": "read" }` map older clients
 * sent; either way a list reaches the service, so what GET returned can be sent back as it is.
 */
const grants = z
  .union([
    grantList,
    z
      .record(z.string(), z.string())
      .transform((map) => Object.entries(map).map(([area, access]) => `${area}:${access}`)),
  ])
  .meta({
    description:
      'Permissions, AREA:read or AREA:write; write includes read. A map { AREA: "read"|"write" } is accepted too.',
  });

const quota = z
  .strictObject({ perMinute: z.int().positive().optional(), perDay: z.int().positive().optional() })
  .nullable();

const mcpToolMode = z.enum(MCP_TOOL_MODES as ['full', 'compact', 'auto']);

/** `{ tools }`: the agent's MCP tool list; `tools: null` (or `mcp: null`) follows the server default. */
const mcp = z
  .strictObject({
    tools: mcpToolMode.nullable().meta({
      description:
        'full: one tool per allowed endpoint; compact: workos_search/describe/call; auto: compact past 40. null: the server default (BOLLARD_MCP_TOOLS).',
    }),
  })
  .nullable();

/** `approve:` entries: a selector, or `{ selector, approvals }` (checked against the catalog by the service). */
const approve = z
  .array(
    z.union([
      z.string(),
      z.strictObject({ selector: z.string(), approvals: z.int().min(1).max(5).optional() }),
    ]),
  )
  .meta({
    description:
      "Calls that need an operator's approval first: destructive, secrets, AREA:read|write or 'METHOD /path'; { selector, approvals: 2 } for the two-person rule",
  });

const agentFields = {
  description: z.string().max(500).optional(),
  grants: grants.optional(),
  expiresAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .meta({ description: 'ISO-8601; null: never' }),
  expiresIn: duration.optional().meta({ description: 'Alternative to expiresAt: a duration from now (30d)' }),
  enabled: z.boolean().optional(),
  weight: z.number().positive().max(100).optional(),
  quota: quota.optional(),
  mcp: mcp.optional(),
  organizations: organizations.optional(),
  approve: approve.optional(),
};

export const idParams = z.object({ id: z.string().min(1).meta({ description: 'Agent id (agt_…) or name' }) });

export const createAgentBody = z.strictObject({
  name: z.string().regex(AGENT_NAME_PATTERN, "lowercase letters, digits, '.', '_', '-'"),
  ...agentFields,
  grants,
});

/**
 * A change to an agent. The read-only fields of the agent view are accepted (and must name this agent),
 * so `GET /agents/x` sent back unchanged is a valid PATCH that changes nothing.
 */
export const updateAgentBody = z.strictObject({
  ...agentFields,
  id: z.string().optional().meta({ description: 'Read-only; when present it must be this agent' }),
  name: z.string().optional().meta({ description: 'Read-only; when present it must be this agent' }),
  createdAt: z.string().optional().meta({ description: 'Read-only; ignored' }),
  updatedAt: z.string().optional().meta({ description: 'Read-only; ignored' }),
  tokens: z.array(z.unknown()).optional().meta({ description: 'Read-only; ignored' }),
});

export const rotateBody = z.strictObject({
  graceSeconds: z
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional()
    .meta({ description: 'Old token keeps working this long' }),
});

const tokenView = z.object({
  id: z.string(),
  hint: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  active: z.boolean(),
});

export const agentView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  grants: grantList,
  enabled: z.boolean(),
  expiresAt: z.string().nullable(),
  weight: z.number(),
  quota: quota,
  mcp: z.object({ tools: mcpToolMode.nullable() }),
  organizations: organizations,
  approve: z.array(z.object({ selector: z.string(), approvals: z.number() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  tokens: z.array(tokenView),
});

export const agentWithToken = z.object({
  agent: agentView,
  token: z.string().meta({ description: 'Shown once; only its hash is kept' }),
});

const csv = z.string().transform((value) => value.split(',').filter(Boolean));

export const auditQueryParams = z.strictObject({
  agent: z.string().optional().meta({ description: 'Agent id or name' }),
  decision: z.enum(['allow', 'deny']).optional(),
  area: z.string().optional(),
  endpoint: z.string().optional().meta({ description: 'Catalog endpoint id (organizations.delete)' }),
  status: z.coerce.number().int().min(100).max(599).optional(),
  organization: z.string().optional(),
  kind: csv.optional().meta({ description: 'call, admin, webhook, system (comma-separated)' }),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  cursor: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const auditStreamParams = auditQueryParams
  .omit({ cursor: true, limit: true, until: true })
  .extend({ after: z.coerce.number().int().min(0).optional().meta({ description: 'Start after this seq' }) });

export const exportParams = z.strictObject({
  format: z.enum(['jsonl', 'csv']).default('jsonl'),
  /** The first seq to export (`1234`), or an ISO-8601 time: records from then on. */
  since: z
    .string()
    .max(40)
    .refine((value) => /^\d{1,15}$/.test(value) || !Number.isNaN(Date.parse(value)), {
      message: 'must be a seq (1234) or an ISO-8601 time (2026-12-01T00:00:00Z)',
    })
    .optional(),
});

export const checkpointListParams = z.strictObject({
  /** Only checkpoints written after this seq of the chain (a page's `next`). */
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const catalogQueryParams = z.strictObject({
  area: z.string().optional(),
  method: z.string().optional(),
  access: z.enum(['read', 'write']).optional(),
  permission: z.string().optional(),
  search: z.string().optional(),
});

const policyAgent = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  grants: grants.default([]),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  enabled: z.boolean().optional(),
  weight: z.number().positive().max(100).optional(),
  quota: quota.optional(),
  mcpTools: mcpToolMode.nullable().optional(),
  organizations: organizations.optional(),
  approve: approve.optional(),
});

export const policyBody = z.strictObject({ agents: z.array(policyAgent) });
