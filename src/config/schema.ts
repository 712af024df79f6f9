import { isIP } from 'node:net';
import { z } from 'zod';
import { auditSinks } from './sinks.js';

const port = z.coerce.number().int().min(0).max(65535);
/** An http(s) URL: the only schemes Bollard can forward to. */
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const duration = z.coerce.number().int().positive();

/** `a, b,c` (or an array, from code) → `['a', 'b', 'c']`. */
const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

/** An origin as browsers send it: `scheme://host[:port]`, nothing after. */
const ORIGIN = /^https?:\/\/[^/?#\s]+$/;

/** `ADDRESS/PREFIX`, IPv4 or IPv6. */
function isCidr(value: string): boolean {
  const [address = '', prefix = '', extra] = value.split('/');
  const family = isIP(address);
  const bits = Number(prefix);
  return family !== 0 && extra === undefined && /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * `BOLLARD_WEBHOOK_ALLOW_PRIVATE`: `1` (or `true`) lets webhook subscriptions reach loopback, link-local and
 * private addresses; a comma list of CIDRs lets only those ranges; unset or `0` allows none.
 */
const privateDestinations = z.union([z.string(), z.boolean()]).transform((value, context) => {
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'all'].includes(text)) return { all: true, cidrs: [] as string[] };
  if (['', '0', 'false', 'no', 'none'].includes(text)) return { all: false, cidrs: [] as string[] };
  const cidrs = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const bad = cidrs.filter((cidr) => !isCidr(cidr));
  if (bad.length > 0) {
    context.addIssue({
      code: 'custom',
      message: `must be 1, 0 or a comma list of CIDRs (10.0.0.0/8,fd00::/8); not CIDRs: ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return { all: false, cidrs };
});

/**
 * Every setting of `bollard start`, with its default and unit. Parsed once at start-up from flags,
 * then environment, then these defaults; every problem is reported together; the result is frozen.
 */
export const configSchema = z.object({
  /** Proxy port for agents. */
  port: port.default(7600),
  /** Proxy bind address. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Admin API and console port. */
  adminPort: port.default(7601),
  /** Admin bind address: loopback unless deliberately opened. */
  adminHost: z.string().min(1).default('127.0.0.1'),
  /**
   * Host names (with or without `:port`) the admin API answers besides the admin host and loopback names;
   * any other `Host` header gets 421, so a DNS-rebinding page cannot reach it.
   */
  adminAllowedHosts: commaList.default([]),
  /** Origins (`https://console.example`) allowed to call the admin API from a browser, with CORS headers. */
  adminAllowedOrigins: commaList
    .refine((origins) => origins.every((origin) => ORIGIN.test(origin)), {
      message: 'each must be an origin: scheme://host[:port], nothing after',
    })
    .default([]),
  /** WorkOS base URL. Ignored in demo mode, where the in-process emulator is the upstream. */
  upstream: httpUrl.default('https://api.workos.com'),
  /** The WorkOS secret key; unset means demo mode. */
  workosApiKey: z.string().min(1).optional(),
  workosClientId: z.string().min(1).optional(),
  workosWebhookSecret: z.string().min(1).optional(),
  adminToken: z.string().min(16).optional(),
  dataDir: z.string().min(1).default('./.bollard'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  /** `on`: REDIS_URL lists a Redis Cluster's seed nodes (`redis://h1:p1,h2:p2`). */
  redisCluster: z.enum(['on', 'off']).default('off'),
  /** Prefix of Bollard's Redis keys; replicas of one deployment share it, other deployments on the same Redis must not. */
  redisPrefix: z.string().min(1).default('bollard:rl:'),
  policy: z.string().min(1).optional(),
  /** A proposed policy file evaluated beside the enforced one: records carry its would-be decision. */
  shadowPolicy: z.string().min(1).optional(),
  /** Largest request body accepted from an agent. */
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024), // 1 MiB
  /** Upstream connect timeout. */
  connectTimeoutMs: duration.default(5_000), // 5 seconds
  /** Time to the upstream's response headers. */
  headersTimeoutMs: duration.default(30_000), // 30 seconds
  /** Longest pause between upstream body chunks. */
  bodyTimeoutMs: duration.default(30_000), // 30 seconds
  /** SQLite durability: FULL survives an OS crash; with group commit it costs no more than NORMAL. */
  /** Audit records older than this many days are removed in whole chain segments (0 keeps everything). */
  auditRetentionDays: z.coerce.number().min(0).default(0),
  auditSynchronous: z.enum(['full', 'normal']).default('full'),
  /** An Ed25519 private key (PEM) to sign audit checkpoints with; unset: `audit-signing-key.pem` in the data dir. */
  auditSigningKeyFile: z.string().min(1).optional(),
  /** Sign the chain head after this many records… */
  auditCheckpointRecords: z.coerce.number().int().min(1).default(1_000),
  /** …or after this many seconds when anything was written. */
  auditCheckpointSeconds: z.coerce.number().positive().default(60), // 60 seconds
  /** Where the audit log is streamed besides the store: files, HTTP endpoints, stdout, WorkOS Audit Logs. */
  auditSinks: auditSinks.default([]),
  /**
   * The nice value of the audit sinks thread (Linux; 0 leaves it at the proxy's priority, 19 is the lowest):
   * reading, encoding and sending the log then take only the CPU the proxy's threads leave. Under load that
   * saturates the cores, the sinks fall behind and catch up after.
   */
  auditSinksNice: z.coerce.number().int().min(0).max(19).default(10),
  /** Share of the WorkOS budget kept for traffic that does not pass through Bollard. */
  rateLimitReserve: z.coerce.number().min(0).max(0.9).default(0.1),
  /** How many Bollard processes share the limits: while Redis is unreachable each enforces 1/replicas of them. */
  replicas: z.coerce.number().int().min(1).default(1),
  /**
   * WorkOS's overall limit for the key, as `REQUESTS/SECONDS`. Plans differ; 6,000 / 60 s is the documented default.
   */
  generalLimit: z
    .string()
    .regex(/^\d+\/\d+$/, 'must be REQUESTS/SECONDS, e.g. 6000/60')
    .default('6000/60'),
  /** How long a call may wait inside Bollard for a WorkOS limit to have room before it gets a 429. */
  rateLimitMaxWaitMs: z.coerce.number().int().min(0).default(20_000), // 20 seconds: well under the SDK's 60 s timeout
  /**
   * On SIGTERM, how long readiness is false while the proxy still takes calls, so load balancers stop
   * sending before it refuses connections. Unset: 5 s, or 0 in demo mode (no load balancer there).
   */
  drainGraceMs: z.coerce.number().int().min(0).optional(),
  /** Then, how long calls in flight may take to finish before their connections are closed. */
  drainTimeoutMs: z.coerce.number().int().min(0).default(20_000), // 20 seconds: with the grace, inside Kubernetes' 30 s
  /** Enforce WorkOS's rate limits before forwarding (off only for tests of other parts). */
  rateLimits: z.enum(['on', 'off']).default('on'),
  /** Concurrent connections per source address that have not authenticated yet (0: no cap). */
  anonymousMaxConnections: z.coerce.number().int().min(0).default(32),
  /** Failed calls without a valid agent token a source may make in a burst before it gets 429 (0: no cap). */
  anonymousFailureBurst: z.coerce.number().int().min(0).default(20),
  /** Failed anonymous calls per second a source earns back. */
  anonymousFailuresPerSecond: z.coerce.number().positive().default(2),
  /**
   * An agent's identical denials (same endpoint, reason and rule) recorded in full per second; the rest of
   * the second are counted into one aggregate record (0: every denial in full).
   */
  agentDenialsInFull: z.coerce.number().int().min(0).default(20),
  /** Prometheus metrics at /metrics (admin port, admin token); `off` only to measure what they cost. */
  metrics: z.enum(['on', 'off']).default('on'),
  /**
   * The synchronous fast path for common calls (a cached agent token, no body, in-memory limits): the same
   * decision and records as the full pipeline, without its waits. `off` only to compare the two.
   */
  fastPath: z.enum(['on', 'off']).default('on'),
  /** A port of its own for /metrics and the probes, without authentication, bound to 127.0.0.1. */
  metricsPort: port.optional(),
  /** OTLP/HTTP collector base URL (OpenTelemetry's own variable): traces are exported when set. */
  otlpEndpoint: httpUrl.optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a call that needs approval is held open for an operator's decision before it gets 403 approval_required. */
  approvalWaitMs: z.coerce.number().int().min(0).default(25_000), // 25 seconds: under the SDKs' 60 s timeout
  /** How long an approval request can be decided, and an approval used (the agent's identical retry). */
  approvalTtlMs: duration.default(900_000), // 15 minutes
  /** Where new approval requests are posted as JSON (a Slack incoming webhook works as it is). */
  approvalNotifyUrl: httpUrl.optional(),
  /** Signs those posts: `Bollard-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`. */
  approvalNotifySecret: z.string().min(16).optional(),
  /** The approval page for people, with `{id}` for the request (the console's); shown in 403s and notifications. */
  approvalUrl: z
    .string()
    .regex(/^https?:\/\/\S*\{id\}/, 'must be an http(s) URL with {id} where the approval id goes')
    .optional(),
  /** MCP tools per agent: one per allowed endpoint (`full`), search/describe/call (`compact`), or compact past 40 (`auto`). */
  mcpTools: z.enum(['full', 'compact', 'auto']).default('auto'),
  /** Host names (comma-separated) MCP clients reach Bollard by besides the loopback ones; others are refused (DNS rebinding). */
  mcpAllowedHosts: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** How old (or how far ahead) a WorkOS-Signature timestamp may be; WorkOS's SDK default. */
  webhookToleranceMs: duration.default(180_000), // 3 minutes
  /** Per-attempt timeout of a webhook delivery to an agent's endpoint. */
  webhookTimeoutMs: duration.default(15_000), // 15 seconds
  /** Webhook destinations allowed in loopback, link-local and private ranges (none by default). */
  /** Unset: none (demo mode: loopback, its receivers run on this machine). */
  webhookAllowPrivate: privateDestinations.optional(),
});

export type BollardConfig = Readonly<z.infer<typeof configSchema>>;
export type ConfigInput = z.input<typeof configSchema>;
