import { LineCounter, parseDocument } from 'yaml';
import type { DesiredPolicy } from '../agents/index.js';
import { areaNames as catalogAreaNames } from '../catalog/index.js';
import { locate, type PathKey, type Position } from './locate.js';
import { buildPolicySchema, expiryInstant, type PolicyFile } from './schema.js';

/** One problem in a policy file, with where it is. */
export interface PolicyProblem extends Position {
  /** Dotted path of the value (`agents.2.grants.0`), empty for the whole file. */
  path: string;
  message: string;
}

export type PolicyValidation =
  | { ok: true; policy: DesiredPolicy; problems: [] }
  | { ok: false; problems: PolicyProblem[] };

export interface ValidateOptions {
  now?: Date;
  areaNames?: readonly string[];
}

/** Agent names declared more than once, pointing at each repeat (not the first). */
function duplicateNames(data: unknown): { path: PathKey[]; message: string }[] {
  const agents = (data as { agents?: unknown } | null)?.agents;
  if (!Array.isArray(agents)) return [];
  const firstIndex = new Map<string, number>();
  const out: { path: PathKey[]; message: string }[] = [];
  agents.forEach((agent, index) => {
    const name = (agent as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else
      out.push({
        path: ['agents', index, 'name'],
        message: `duplicate agent '${name}' (first declared as agents[${first}])`,
      });
  });
  return out;
}

/** The declared agents as the agents service takes them. */
function toDesiredPolicy(file: PolicyFile): DesiredPolicy {
  return {
    agents: file.agents.map((agent) => ({
      name: agent.name,
      description: agent.description ?? '',
      grants: agent.grants.map((grant) =>
        typeof grant === 'string'
          ? grant
          : {
              permission: grant.permission,
              organizations: grant.organizations,
              constraints: grant.constraints,
              redact: grant.redact,
              revealSecrets: grant.reveal_secrets,
            },
      ),
      organizations: agent.organizations ?? null,
      expiresAt: agent.expires ? expiryInstant(agent.expires).toISOString() : null,
      enabled: agent.enabled ?? true,
      weight: agent.weight ?? 1,
      quota: agent.quota ?? null,
      mcpTools: agent.mcp?.tools ?? null,
      approve: agent.approve ?? [],
    })),
  };
}

/**
 * Checks a `bollard.yaml` text and reports EVERY problem with its line and column: YAML syntax,
 * schema (unknown keys, wrong types), unknown areas and access levels, duplicate agents, past expiry.
 * @example validatePolicyText('agents:\n  - name: a\n    grants: [organisation:read]\n').problems[0]
 *   // { line: 3, column: 14, path: 'agents.0.grants.0', message: "unknown area 'organisation' — did you mean 'organizations'?" }
 */
export function validatePolicyText(text: string, options: ValidateOptions = {}): PolicyValidation {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      line: error.linePos?.[0].line ?? 1,
      column: error.linePos?.[0].col ?? 1,
      path: '',
      message: error.message.split('\n')[0] ?? error.message,
    }));
    return { ok: false, problems };
  }
  const data: unknown = doc.toJS();
  const schema = buildPolicySchema({
    areaNames: options.areaNames ?? catalogAreaNames,
    now: options.now ?? new Date(),
  });
  const parsed = schema.safeParse(data);
  const problems: PolicyProblem[] = [];
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const path = issue.path.filter((key): key is PathKey => typeof key !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = locate(doc, lines, path, key);
        problems.push({ ...at, path: [...path, key].join('.'), message: `unknown field '${key}'` });
      }
      continue;
    }
    problems.push({ ...locate(doc, lines, path), path: path.join('.'), message: issue.message });
  }
  for (const duplicate of duplicateNames(data)) {
    problems.push({
      ...locate(doc, lines, duplicate.path),
      path: duplicate.path.join('.'),
      message: duplicate.message,
    });
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, policy: toDesiredPolicy(parsed.data), problems: [] };
}
