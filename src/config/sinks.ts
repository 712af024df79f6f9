import { z } from 'zod';

/** A sink's name keys its durable cursor: lower-case, short, stable across restarts. */
const sinkName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._:-]{0,62}$/, 'must be 1–63 of a-z 0-9 . _ : - (it keys the sink’s cursor)');

/** Retry schedule after a failed delivery: doubling from `retryMinMs` up to `retryMaxMs`, with jitter. */
const retry = {
  retryMinMs: z.number().int().min(1).default(1_000), // 1 second
  retryMaxMs: z.number().int().min(1).default(60_000), // 60 seconds
};

const fileSink = z.strictObject({
  type: z.literal('file'),
  name: sinkName.optional(),
  /** The JSON Lines file written to; rotated files sit beside it. */
  path: z.string().min(1),
  /** Rotate when the file reaches this size… */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .default(64 * 1024 * 1024), // 64 MiB
  /** …or this age. */
  maxAgeSeconds: z.number().int().min(1).default(86_400), // 1 day
  /** gzip rotated files. */
  gzip: z.boolean().default(true),
  /** fsync after each batch, so a record counted as delivered survives an OS crash. */
  fsync: z.boolean().default(true),
  batchSize: z.number().int().min(1).max(5_000).default(1_000),
  ...retry,
});

const httpSink = z.strictObject({
  type: z.literal('http'),
  name: sinkName.optional(),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  /** `jsonl`: the records as JSON Lines; `splunk`: HTTP Event Collector events; `datadog`: log intake entries. */
  format: z.enum(['jsonl', 'splunk', 'datadog']).default('jsonl'),
  /** HMAC-SHA256 key: each batch carries `X-Bollard-Signature: t=…, v1=…`. */
  secret: z.string().min(16).optional(),
  /** Splunk HEC token (`Authorization: Splunk …`) or Datadog API key (`DD-API-KEY`). */
  token: z.string().min(1).optional(),
  /** Extra request headers. */
  headers: z.record(z.string(), z.string()).default({}),
  batchSize: z.number().int().min(1).max(5_000).default(500),
  gzip: z.boolean().default(true),
  timeoutMs: z.number().int().min(1).default(10_000), // 10 seconds
  ...retry,
});

const stdoutSink = z.strictObject({
  type: z.literal('stdout'),
  name: sinkName.optional(),
  batchSize: z.number().int().min(1).max(5_000).default(500),
  ...retry,
});

const workosMirror = z.strictObject({
  type: z.literal('workos'),
  name: sinkName.optional(),
  /** Which calls become WorkOS Audit Logs events. */
  decisions: z
    .array(z.enum(['allow', 'deny']))
    .min(1)
    .default(['allow', 'deny']),
  /** Only calls in these areas (default: all). */
  areas: z.array(z.string().min(1)).optional(),
  /** The organization for calls that name none (WorkOS requires one); unset: such calls are not mirrored. */
  organizationId: z.string().min(1).optional(),
  /** Events sent per pass (one request each: WorkOS takes one event per call). */
  batchSize: z.number().int().min(1).max(1_000).default(50),
  /**
   * The most events (requests) a second the mirror sends, below what the limiter allows: WorkOS's general
   * limit for one key is 100 a second, so more only earns 429s. Over it, the mirror trails and catches up.
   */
  maxEventsPerSecond: z.number().positive().max(10_000).default(100),
  ...retry,
});

export const sinkSpec = z.discriminatedUnion('type', [fileSink, httpSink, stdoutSink, workosMirror]);
export type SinkSpec = z.output<typeof sinkSpec> & { name: string };

/** The name a sink's cursor is kept under when none is given: what it writes to, so reordering the list changes nothing. */
function defaultName(spec: z.output<typeof sinkSpec>): string {
  switch (spec.type) {
    case 'file':
      return `file:${spec.path}`
        .toLowerCase()
        .replace(/[^a-z0-9._:-]/g, '-')
        .slice(0, 63);
    case 'http': {
      const url = new URL(spec.url);
      return `http:${url.host}${url.pathname}`
        .toLowerCase()
        .replace(/[^a-z0-9._:-]/g, '-')
        .slice(0, 63);
    }
    default:
      return spec.type;
  }
}

/**
 * `BOLLARD_AUDIT_SINKS`: a JSON array of sinks (or an array, from code), each named (by default after its
 * target), no two with one name.
 * @example BOLLARD_AUDIT_SINKS='[{"type":"file","path":"/var/log/bollard/audit.jsonl"},{"type":"workos"}]'
 */
export const auditSinks = z
  .union([z.string(), z.array(z.unknown())])
  .transform((value, context) => {
    if (Array.isArray(value)) return value;
    if (value.trim() === '') return [];
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({
        code: 'custom',
        message: 'must be a JSON array of sinks: [{"type":"file","path":"…"}]',
      });
      return z.NEVER;
    }
  })
  .pipe(z.array(sinkSpec).max(16))
  .transform((specs, context): SinkSpec[] => {
    const named = specs.map((spec) => ({ ...spec, name: spec.name ?? defaultName(spec) }));
    const seen = new Set<string>();
    for (const spec of named) {
      if (seen.has(spec.name))
        context.addIssue({
          code: 'custom',
          message: `two sinks are named '${spec.name}': give each a distinct name`,
        });
      seen.add(spec.name);
    }
    return named;
  });
