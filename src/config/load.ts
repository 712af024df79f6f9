import { type BollardConfig, type ConfigInput, configSchema } from './schema.js';

/** Environment variables and the setting each one feeds. Only this module reads `process.env`. */
export const ENVIRONMENT_VARIABLES: Readonly<Record<string, keyof ConfigInput>> = {
  WORKOS_API_KEY: 'workosApiKey',
  WORKOS_CLIENT_ID: 'workosClientId',
  WORKOS_WEBHOOK_SECRET: 'workosWebhookSecret',
  BOLLARD_ADMIN_TOKEN: 'adminToken',
  BOLLARD_PORT: 'port',
  BOLLARD_HOST: 'host',
  BOLLARD_ADMIN_PORT: 'adminPort',
  BOLLARD_ADMIN_HOST: 'adminHost',
  BOLLARD_ADMIN_ALLOWED_HOSTS: 'adminAllowedHosts',
  BOLLARD_ADMIN_ALLOWED_ORIGINS: 'adminAllowedOrigins',
  BOLLARD_UPSTREAM: 'upstream',
  BOLLARD_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  REDIS_URL: 'redisUrl',
  BOLLARD_REDIS_PREFIX: 'redisPrefix',
  BOLLARD_REDIS_CLUSTER: 'redisCluster',
  BOLLARD_POLICY: 'policy',
  BOLLARD_SHADOW_POLICY: 'shadowPolicy',
  BOLLARD_LOG_LEVEL: 'logLevel',
  BOLLARD_METRICS: 'metrics',
  BOLLARD_FAST_PATH: 'fastPath',
  BOLLARD_METRICS_PORT: 'metricsPort',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'otlpEndpoint',
  BOLLARD_REPLICAS: 'replicas',
  BOLLARD_GENERAL_LIMIT: 'generalLimit',
  BOLLARD_RATE_LIMIT_RESERVE: 'rateLimitReserve',
  BOLLARD_RATE_LIMIT_MAX_WAIT_MS: 'rateLimitMaxWaitMs',
  BOLLARD_RATE_LIMITS: 'rateLimits',
  BOLLARD_DRAIN_GRACE_MS: 'drainGraceMs',
  BOLLARD_DRAIN_TIMEOUT_MS: 'drainTimeoutMs',
  BOLLARD_WEBHOOK_TOLERANCE_MS: 'webhookToleranceMs',
  BOLLARD_WEBHOOK_TIMEOUT_MS: 'webhookTimeoutMs',
  BOLLARD_WEBHOOK_ALLOW_PRIVATE: 'webhookAllowPrivate',
  BOLLARD_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  BOLLARD_ANONYMOUS_MAX_CONNECTIONS: 'anonymousMaxConnections',
  BOLLARD_ANONYMOUS_FAILURE_BURST: 'anonymousFailureBurst',
  BOLLARD_ANONYMOUS_FAILURES_PER_SECOND: 'anonymousFailuresPerSecond',
  BOLLARD_AGENT_DENIALS_IN_FULL: 'agentDenialsInFull',
  BOLLARD_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  BOLLARD_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  BOLLARD_BODY_TIMEOUT_MS: 'bodyTimeoutMs',
  BOLLARD_AUDIT_SYNCHRONOUS: 'auditSynchronous',
  BOLLARD_AUDIT_RETENTION_DAYS: 'auditRetentionDays',
  BOLLARD_AUDIT_SIGNING_KEY_FILE: 'auditSigningKeyFile',
  BOLLARD_AUDIT_CHECKPOINT_RECORDS: 'auditCheckpointRecords',
  BOLLARD_AUDIT_CHECKPOINT_SECONDS: 'auditCheckpointSeconds',
  BOLLARD_AUDIT_SINKS: 'auditSinks',
  BOLLARD_AUDIT_SINKS_NICE: 'auditSinksNice',
  BOLLARD_APPROVAL_WAIT_MS: 'approvalWaitMs',
  BOLLARD_APPROVAL_TTL_MS: 'approvalTtlMs',
  BOLLARD_APPROVAL_NOTIFY_URL: 'approvalNotifyUrl',
  BOLLARD_APPROVAL_NOTIFY_SECRET: 'approvalNotifySecret',
  BOLLARD_APPROVAL_URL: 'approvalUrl',
  BOLLARD_MCP_TOOLS: 'mcpTools',
  BOLLARD_MCP_ALLOWED_HOSTS: 'mcpAllowedHosts',
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Resolves the configuration: flags win over environment, environment over defaults.
 * Throws one ConfigError listing every problem.
 */
export function loadConfig(
  flags: Partial<Record<keyof ConfigInput, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): BollardConfig {
  const merged: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const value = env[variable];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) merged[key] = value;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${nameOf(issue.path)}: ${issue.message}`));
  }
  return Object.freeze(parsed.data);
}

/** Settings that `bollard start` also takes as a flag; the others come from the environment only. */
const START_FLAGS: ReadonlySet<string> = new Set([
  'port',
  'adminPort',
  'host',
  'adminHost',
  'upstream',
  'dataDir',
  'databaseUrl',
  'redisUrl',
  'policy',
  'logLevel',
]);

/** How a person sets the setting: its flag and variable, or only the variable (never a flag that does not exist). */
function nameOf(path: readonly PropertyKey[]): string {
  const key = String(path[0] ?? '');
  const variable = Object.entries(ENVIRONMENT_VARIABLES).find(([, k]) => k === key)?.[0];
  const flag = START_FLAGS.has(key) ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : null;
  const name = [flag, variable].filter(Boolean).join(' / ') || key;
  // Where inside a structured value (a sink in BOLLARD_AUDIT_SINKS): `[0].maxEventsPerSecond`.
  const inside = path
    .slice(1)
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('');
  return inside ? `${name} ${inside.replace(/^\./, '')}` : name;
}
