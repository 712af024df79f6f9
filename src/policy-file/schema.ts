import { z } from 'zod';
import { AGENT_NAME_PATTERN, grantProblem, MCP_TOOL_MODES } from '../agents/index.js';
import { grantRestrictionProblems, ORGANIZATION_ID, splitGrantString } from '../agents/restriction-input.js';
import { endpoints, PERMISSIONS } from '../catalog/index.js';
import { MAX_APPROVALS, selectorProblem } from '../policy/index.js';

const DATE_OR_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The instant an `expires` value names; a bare date means midnight UTC at its start. */
export function expiryInstant(expires: string): Date {
  return new Date(expires.includes('T') ? expires : `${expires}T00:00:00Z`);
}

export interface PolicySchemaOptions {
  areaNames: readonly string[];
  /** When set, an `expires` before it is an error. Left out to generate the published JSON Schema. */
  now?: Date;
}

/**
 * The schema of `bollard.yaml`. Grants are an enum of the catalog's permissions so editors complete
 * them; a wrong one is explained ("unknown area 'organisation' — did you mean 'organizations'?").
 */
export function buildPolicySchema({ areaNames, now }: PolicySchemaOptions) {
  const permissions = PERMISSIONS.filter((permission) => areaNames.includes(permission.split(':')[0] ?? ''));
  const permission = z.enum(permissions as [string, ...string[]], {
    error: (issue) => grantProblem(String(issue.input), areaNames) ?? undefined,
  });
  const organizationId = z
    .string()
    .regex(ORGANIZATION_ID, 'expected a WorkOS organization id (org_…)')
    .meta({ examples: ['org_01EHZNVPK3SFK441A1RGBFSHRT'] });
  const organizations = z.array(organizationId).min(1, 'a pin needs at least one organization');
  /** `users:read`, or `users:read@org_a+org_b` pinned to organizations. */
  const grantString = z.string().superRefine((value, ctx) => {
    const split = splitGrantString(value);
    const problem = grantProblem(split.permission, areaNames);
    if (problem || !permissions.includes(split.permission)) {
      ctx.addIssue({ code: 'custom', message: problem ?? `'${value}' is not a permission` });
      return;
    }
    if (split.organizations?.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: `'${value}': a pin needs at least one organization after '@'`,
      });
    for (const org of split.organizations ?? [])
      if (!ORGANIZATION_ID.test(org))
        ctx.addIssue({ code: 'custom', message: `'${org}' is not a WorkOS organization id (org_…)` });
  });
  const constraint = z
    .strictObject({
      allow: z.array(z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
      match: z
        .union([z.string(), z.array(z.string())])
        .transform((value) => (Array.isArray(value) ? value : [value]))
        .optional()
        .meta({ description: "Glob pattern(s); '*' matches any run of characters: '*@customer.example'." }),
      absent: z.boolean().optional().meta({ description: 'true: the field must not be sent.' }),
    })
    .meta({ description: 'What one field may be: allowed values, patterns, or absent.' });
  const grantObject = z
    .strictObject({
      permission,
      organizations: organizations.optional().meta({ description: 'Organizations this grant is pinned to.' }),
      constraints: z.record(z.string(), z.record(z.string(), constraint)).optional().meta({
        description:
          'Endpoint id → field → constraint, for body and query fields (checked against the OpenAPI spec).',
      }),
      redact: z.array(z.string()).optional().meta({
        description: "Response paths removed before the agent sees them: 'email', 'data.*.raw_attributes'.",
      }),
      reveal_secrets: z.boolean().optional().meta({
        description: 'true: the catalog-marked response secrets (codes, tokens, links) are not withheld.',
      }),
    })
    .superRefine((value, ctx) => {
      for (const problem of grantRestrictionProblems(value.permission, value))
        ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
    })
    .meta({ title: 'Grant with restrictions' });
  const grantJsonSchema = (schema: z.ZodType) => {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    return rest;
  };
  const grant = z
    .unknown()
    .transform((value, ctx) => {
      const parsed = typeof value === 'string' ? grantString.safeParse(value) : grantObject.safeParse(value);
      if (parsed.success) return parsed.data as string | z.output<typeof grantObject>;
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as never);
      return z.NEVER;
    })
    .meta({
      description:
        'AREA:read or AREA:write; AREA:read@org_… pins it; an object adds constraints and redaction.',
      anyOf: [
        grantJsonSchema(permission),
        { type: 'string', pattern: '^[a-z_]+:(read|write)@org_' },
        grantJsonSchema(grantObject),
      ],
    });
  let expires = z
    .string()
    .regex(DATE_OR_DATE_TIME, 'expected a date (2026-12-31) or a date-time (2026-12-31T18:00:00Z)');
  if (now) {
    const at = now;
    expires = expires.refine((value) => !(expiryInstant(value).getTime() <= at.getTime()), {
      message: 'expiry is in the past',
      abort: true,
    });
  }
  const selector = z
    .string()
    .superRefine((value, context) => {
      const problem = selectorProblem(value, endpoints);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .meta({
      description:
        "destructive, secrets, a permission (organizations:write) or an endpoint ('DELETE /organizations/{id}')",
      examples: ['destructive', 'secrets', 'organizations:write', 'DELETE /organizations/{id}'],
    });
  const approval = z.union([
    selector,
    z.strictObject({
      selector,
      approvals: z
        .int()
        .min(1)
        .max(MAX_APPROVALS)
        .optional()
        .meta({ description: 'Distinct operators who must approve (2: the two-person rule). Default 1.' }),
    }),
  ]);
  const agent = z
    .strictObject({
      name: z
        .string()
        .regex(
          AGENT_NAME_PATTERN,
          "lowercase letters, digits, '.', '_' and '-'; starts with a letter or digit",
        )
        .meta({ description: 'Unique agent name.', examples: ['support-bot'] }),
      description: z.string().max(500).optional().meta({ description: 'What the agent is for.' }),
      grants: z
        .array(grant)
        .default([])
        .meta({ description: 'Permissions, AREA:read or AREA:write; write includes read.' }),
      organizations: organizations
        .optional()
        .meta({ description: 'Organizations every grant of the agent is pinned to.' }),
      approve: z.array(approval).optional().meta({
        description:
          'Calls that wait for an operator’s approval, bound to the exact call and run once (bollard approvals approve).',
      }),
      expires: expires.nullable().optional().meta({
        description: 'When the agent stops working: a date or an ISO-8601 date-time. Absent: never.',
      }),
      enabled: z.boolean().optional().meta({ description: 'A disabled agent is refused. Default true.' }),
      weight: z.number().positive().max(100).optional().meta({
        description: 'Share of the WorkOS rate budget relative to other agents. Default 1.',
      }),
      quota: z
        .strictObject({
          perMinute: z.int().positive().optional(),
          perDay: z.int().positive().optional(),
        })
        .nullable()
        .optional()
        .meta({ description: 'Calls this agent may make, per minute and per day.' }),
      mcp: z
        .strictObject({
          tools: z
            .enum(MCP_TOOL_MODES as ['full', 'compact', 'auto'], {
              error: (issue) =>
                `${issue.input === undefined ? 'missing' : `'${String(issue.input)}' is not an MCP tool mode`}: expected ${MCP_TOOL_MODES.join(', ')}`,
            })
            .meta({
              description:
                'full: one tool per allowed endpoint; compact: workos_search, workos_describe and workos_call; auto: compact past 40 endpoints.',
            }),
        })
        .optional()
        .meta({
          description:
            'The MCP tool list this agent gets. Absent: the server default (BOLLARD_MCP_TOOLS, auto).',
        }),
    })
    .meta({ title: 'Agent' });
  return z
    .strictObject({
      version: z.literal(1).optional().meta({ description: 'Format version of this file.' }),
      agents: z.array(agent).meta({ description: 'Every agent. Agents not listed are removed on apply.' }),
    })
    .meta({
      title: 'Bollard policy',
      description: 'The agents of a Bollard gateway and their grants (bollard.yaml).',
    });
}

export type PolicyFile = z.output<ReturnType<typeof buildPolicySchema>>;
