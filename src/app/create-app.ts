import { createPublicKey } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { type AgentService, createAgentService, ShadowPolicy } from '../agents/index.js';
import { type ApprovalService, createApprovalService } from '../approvals/index.js';
import {
  type AuditCheckpoints,
  AuditWriter,
  Checkpointer,
  loadSigningKey,
  redactBody,
  redactQuery,
  sealRecord,
} from '../audit/index.js';
import { match } from '../catalog/index.js';
import type { RateLimitRule } from '../catalog/types.js';
import type { BollardConfig } from '../config/index.js';
import { createFreezeService, type FreezeService } from '../freezes/index.js';
import {
  AgentDenials,
  AnonymousTraffic,
  ControlState,
  CredentialCache,
  createKeyResolver,
  createOwnerResolver,
  createProxyServer,
  createUpstreamDispatcher,
  type GatewayDeps,
  type LocalRoute,
  type OwnerResolverOptions,
} from '../gateway/index.js';
import { createMcpRoutes } from '../mcp/index.js';
import type { BollardMetrics, Readiness } from '../observability/index.js';
import { probeRoutes } from '../observability/index.js';
import {
  createGatewayLimiter,
  createUpstreamBreakers,
  type LimiterPolicy,
  type UpstreamBreakerOptions,
} from '../ratelimit/index.js';
import { type AuditSinks, budgetFrom, startAuditSinksThread } from '../sinks/index.js';
import { openStore } from '../store/index.js';
import type { AuditDraft, Store, StoreConfig } from '../store/types.js';
import { createWebhookRelay, type WebhookRelay, type WebhookRelayOptions } from '../webhooks/index.js';
import { withChangeHook } from './change-hook.js';
import { ensureDataDir } from './data-dir.js';
import { createInFlightCalls, type DrainOptions, drainProxy } from './drain.js';
import { createAppObservability, type ObservedParts } from './observability.js';
import { startAuditRetention } from './retention.js';
import { startUnknownOutcomeSweep } from './unknown-outcomes.js';

/** Hooks for tests and embedding: everything has a production default. */
export interface AppOptions {
  /** Owner lookups of pinned calls: cache size and TTL, lookups a second (tests raise or lower them). */
  ownerLookups?: Partial<Pick<OwnerResolverOptions, 'maxPerSecond' | 'ttlMs' | 'maxEntries'>>;
  logger?: Logger;
  now?: () => number;
  /** Upstream to use instead of the configured one (tests point it at an emulator). */
  upstream?: { url: string; apiKey: string };
  localRoutes?: ReadonlyMap<string, LocalRoute>;
  /** Webhook relay settings beyond the configuration (tests use a millisecond retry schedule). */
  webhooks?: WebhookRelayOptions;
  /** Limiter settings beyond the configuration (tests use small windows). */
  limiterPolicy?: LimiterPolicy;
  /** Circuit breaker settings, for each failure domain's breaker (tests use short half-open delays). */
  breaker?: UpstreamBreakerOptions;
  /** How long a readiness store check is reused (default 1,000 ms; tests use 0). */
  readinessCacheMs?: number;
  /** Audit sink settings beyond the configuration (tests poll faster). */
  sinks?: { pollMs?: number };
}

/** A built, not yet listening, Bollard. */
export interface BollardApp {
  config: BollardConfig;
  logger: Logger;
  store: Store;
  agents: AgentService;
  /** The kill switch: freezes committed here reach this replica's decisions and, through the store, the others'. */
  freezes: FreezeService;
  /** A proposed policy evaluated beside the enforced one (`--shadow-policy`, admin API); never enforced. */
  shadow: ShadowPolicy;
  /** Approval requests: held calls open them, operators decide them, the identical retry uses them once. */
  approvals: ApprovalService;
  audit: AuditWriter;
  /** Signs the chain head every N records / T seconds; the admin API serves its public key. */
  checkpoints: AuditCheckpoints & { checkpointer: Checkpointer };
  credentials: CredentialCache;
  /** Per-source bounds on callers without a valid token; `flush()` writes pending aggregate records. */
  anonymous: AnonymousTraffic;
  /** Aggregates agents' repeated denials; `flush()` writes pending aggregate records. */
  agentDenials: AgentDenials;
  proxy: Server;
  /** WorkOS webhooks in, agents' deliveries out. */
  webhooks: WebhookRelay;
  /**
   * Ports Bollard listens on besides the proxy's (the admin API's, once bound): a webhook may never
   * be delivered to them on this machine.
   */
  ownPorts: Set<number>;
  upstream: { url: string };
  /** Problems worth an operator's eye at start (a data directory others can read). */
  warnings: string[];
  /** Allowed calls from before this start that had no outcome record and were answered `outcome_unknown` now. */
  unknownOutcomes: number;
  /** Prometheus metrics of this instance; null with `BOLLARD_METRICS=off`. */
  metrics: BollardMetrics | null;
  /** What `/readyz` answers. */
  readiness: Readiness;
  /** Readiness waits for this when a policy file is configured. */
  policyLoaded(): void;
  /**
   * A graceful stop's first half: readiness false, then no new connections, then the calls in flight
   * finish (up to a deadline). `close()` afterwards flushes their outcome records.
   */
  drain(options: DrainOptions): Promise<{ unfinished: number }>;
  close(): Promise<void>;
}

/**
 * Builds Bollard from its configuration without binding a port: the store, the audit writer,
 * the agents service and the proxy server, wired together.
 */
export async function createApp(config: BollardConfig, options: AppOptions = {}): Promise<BollardApp> {
  const logger =
    options.logger ??
    pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.apiKey', '*.token'] });
  const now = options.now ?? Date.now;
  const upstream = options.upstream ?? { url: config.upstream, apiKey: config.workosApiKey ?? '' };
  if (!upstream.apiKey)
    throw new Error('createApp needs a WorkOS API key (or an emulator upstream in demo mode)');

  const dataDir = ensureDataDir(config.dataDir);
  if (dataDir.warning) logger.warn(dataDir.warning);
  const storeConfig: StoreConfig = config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : {
        kind: 'sqlite',
        path: dataDir.path,
        synchronous: config.auditSynchronous === 'full' ? 'FULL' : 'NORMAL',
      };
  const rawStore = await openStore(storeConfig);
  const credentials = new CredentialCache(rawStore);
  const controls = new ControlState(rawStore);
  // Controls first: the credential cache wakes parked calls, whose recheck must read the new controls.
  const changed = () => {
    controls.invalidate();
    credentials.invalidate();
  };
  const store = withChangeHook(rawStore, changed);
  let parts: ObservedParts | null = null;
  const observability = createAppObservability(config, {
    logger,
    store,
    now,
    parts: () => parts,
    readinessCacheMs: options.readinessCacheMs,
  });
  const stopWatching = await store.watchChanges((change) => {
    changed();
    observability.changeArrived(change);
  });
  const stopRetention = startAuditRetention(
    store,
    config.auditRetentionDays,
    logger,
    config.auditSinks.map((sink) => sink.name),
  );
  const unknownOutcomes = await startUnknownOutcomeSweep(store, { logger, now });
  const signingKey = loadSigningKey(dataDir.path, config.auditSigningKeyFile);
  if (signingKey.created)
    logger.info({ file: signingKey.source }, 'created the audit checkpoint signing key');
  let checkpointer: Checkpointer | null = null;
  let sinks: AuditSinks | null = null;
  const audit = new AuditWriter(store, {
    ...observability.auditHooks,
    onCommit(rows, seconds, headSeq) {
      observability.auditHooks.onCommit(rows, seconds, headSeq);
      checkpointer?.committed(headSeq);
      sinks?.committed(headSeq);
    },
  });
  checkpointer = new Checkpointer({
    store,
    append: (draft) => audit.append(draft),
    privateKey: signingKey.privateKey,
    everyRecords: config.auditCheckpointRecords,
    everyMs: config.auditCheckpointSeconds * 1000,
    logger,
    now,
  });
  checkpointer.start();
  const checkpoints = {
    checkpointer,
    publicKey: createPublicKey(signingKey.privateKey),
    checkpoint: () => (checkpointer as Checkpointer).checkpoint(),
  };
  const agents = createAgentService(store, { seal: sealRecord, now: () => new Date(now()) });
  const shadow = new ShadowPolicy();
  const freezes = createFreezeService(store, { seal: sealRecord, now: () => new Date(now()) });
  const approvalUrl = config.approvalUrl;
  const approvals = createApprovalService(store, {
    seal: sealRecord,
    now,
    ttlMs: config.approvalTtlMs,
    logger,
    notify: config.approvalNotifyUrl
      ? { url: config.approvalNotifyUrl, secret: config.approvalNotifySecret }
      : undefined,
    linkFor: approvalUrl ? (id) => approvalUrl.replaceAll('{id}', id) : undefined,
  });

  const upstreamOptions = {
    url: upstream.url,
    apiKey: upstream.apiKey,
    connectTimeoutMs: config.connectTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
  };
  const dispatcher = createUpstreamDispatcher(upstreamOptions);
  const limiter =
    config.rateLimits === 'on'
      ? createGatewayLimiter(
          config.redisUrl
            ? {
                backend: 'redis',
                url: config.redisUrl,
                processShare: 1 / config.replicas,
                keyPrefix: config.redisPrefix,
                cluster: config.redisCluster === 'on',
              }
            : { backend: 'memory' },
          {
            reserveFraction: config.rateLimitReserve,
            generalLimit: generalLimitRule(config.generalLimit),
            logger,
            ...options.limiterPolicy,
          },
        )
      : undefined;
  const breaker = createUpstreamBreakers({
    ...options.breaker,
    onStateChange: (domain, state) =>
      (state === 'open' ? logger.warn : logger.info).call(
        logger,
        { domain, breaker: state },
        `circuit breaker of ${domain} is ${state.replace('_', '-')}`,
      ),
  });
  // On a thread of their own, with their own store connection: streaming the log never takes the proxy's thread.
  sinks = startAuditSinksThread(config.auditSinks, {
    store: storeConfig,
    logger,
    upstream,
    takeBudget: limiter ? budgetFrom(limiter) : undefined,
    nice: config.auditSinksNice,
    openFeed: () => rawStore.openCommitFeed?.() ?? null,
    ...options.sinks,
  });
  const anonymous = new AnonymousTraffic({
    maxConnections: config.anonymousMaxConnections,
    probationMs: 5_000, // 5 seconds for a connection past the cap to send its first call
    failureBurst: config.anonymousFailureBurst,
    failuresPerSecond: config.anonymousFailuresPerSecond,
    windowMs: 1_000, // one aggregate record per source, kind of failure and second
    append: (draft) => audit.append(draft, { lazy: true }),
    now,
    onError: (error) => logger.error({ err: error }, 'audit write of aggregated denials failed'),
  });
  // Every agent's call records pass the shadow policy, its aggregated denials too.
  const agentDenials = new AgentDenials({
    windowMs: 1_000, // one aggregate record per agent, kind of denial and second
    inFull: config.agentDenialsInFull,
    append: (draft) => audit.append(shadow.annotate(draft), { lazy: true }),
    now,
    onError: (error) => logger.error({ err: error }, 'audit write of aggregated agent denials failed'),
  });
  const owners = createOwnerResolver({ upstream, dispatcher, logger, now, ...options.ownerLookups });
  parts = {
    ownerLookups: () => owners.stats(),
    auditQueueDepth: () => audit.pending,
    breakerStates: () => breaker.states(),
    rateLimitDegraded: () => limiter?.status().degraded ?? false,
    auditSinks: () => sinks?.statuses() ?? [],
  };
  const deps: GatewayDeps = {
    match,
    credentials,
    controls,
    approvals: { service: approvals, waitMs: config.approvalWaitMs },
    // Every call record passes the shadow policy (a no-op unless one runs) on its way to the audit writer.
    audit: { append: (draft, options) => audit.append(shadow.annotate(draft), options) },
    summarizeBody: redactBody,
    summarizeQuery: redactQuery,
    upstream: upstreamOptions,
    dispatcher,
    limiter,
    breaker,
    anonymous,
    agentDenials,
    bodyLimitBytes: config.bodyLimitBytes,
    limitWaitMs: config.rateLimitMaxWaitMs,
    keyResolver: limiter ? createKeyResolver({ upstream, dispatcher, logger, now }) : undefined,
    logger,
    now,
    observer: observability.observer,
    owners,
    fastPath: config.fastPath === 'on',
  };
  const ownPorts = new Set([config.port, config.adminPort].filter((port) => port > 0));
  // Refused inbound webhooks come from anyone who can reach the proxy port, with no agent: their records
  // are aggregated per source like anonymous calls' (a delivery refused to an agent names the agent).
  const webhookAudit = {
    append: (draft: AuditDraft) =>
      draft.decision === 'deny' &&
      draft.agentId === null &&
      draft.clientIp !== null &&
      !anonymous.recordDenial(draft)
        ? Promise.resolve()
        : audit.append(draft),
  };
  const webhooks = createWebhookRelay(
    {
      destinations: {
        allowPrivate: config.webhookAllowPrivate ?? { all: false, cidrs: [] },
        ownPorts: () => [...ownPorts, ...listeningPorts(proxy)],
      },
      store,
      audit: observability.countWebhooks(webhookAudit),
      logger,
      now,
      upstream,
      secret: config.workosWebhookSecret,
      toleranceMs: config.webhookToleranceMs,
      timeoutMs: config.webhookTimeoutMs,
      bodyLimitBytes: config.bodyLimitBytes,
      onEvent: (event) => owners.invalidateForEvent(event.event, eventData(event.body)),
    },
    options.webhooks,
  );
  const mcp = createMcpRoutes({
    gateway: deps,
    mode: config.mcpTools,
    allowedHosts: config.mcpAllowedHosts,
    limiterStatus: limiter ? () => limiter.status() : undefined,
  });
  const inFlight = createInFlightCalls();
  const proxy = createProxyServer(
    deps,
    new Map([
      ...probeRoutes(observability.readiness),
      ...webhooks.routes,
      ...mcp,
      ...(options.localRoutes ?? []),
    ]),
    inFlight,
  );

  return {
    config,
    logger,
    store,
    agents,
    freezes,
    approvals,
    shadow,
    audit,
    checkpoints,
    credentials,
    anonymous,
    agentDenials,
    proxy,
    webhooks,
    ownPorts,
    upstream: { url: upstream.url },
    warnings: dataDir.warning ? [dataDir.warning] : [],
    unknownOutcomes: unknownOutcomes.answeredAtStart,
    metrics: observability.metrics,
    readiness: observability.readiness,
    policyLoaded: () => observability.policyLoaded(),
    drain: (drainOptions) => drainProxy(proxy, inFlight, observability, drainOptions),
    async close() {
      await closeServer(proxy);
      await webhooks.close();
      await anonymous.flush();
      await agentDenials.flush();
      await stopWatching();
      stopRetention();
      checkpointer.stop();
      unknownOutcomes.stop();
      await sinks?.close();
      await audit.close();
      await limiter?.close();
      await dispatcher.close();
      await observability.close();
      await store.close();
    },
  };
}

/** The `data` of a stored event's JSON, or null. */
function eventData(body: string): unknown {
  try {
    return (JSON.parse(body) as { data?: unknown }).data ?? null;
  } catch {
    return null;
  }
}

/** `6000/60` → the general rule, WorkOS's documented default when unchanged. */
function generalLimitRule(spec: string): RateLimitRule {
  const [limit, seconds] = spec.split('/').map(Number) as [number, number];
  return {
    id: 'general',
    limit,
    windowSeconds: seconds,
    scope: 'api_key',
    key: [],
    description: `${limit.toLocaleString('en-US')} requests / ${seconds} s per API key`,
  };
}

function listeningPorts(server: Server): number[] {
  const address = server.address();
  return address && typeof address === 'object' ? [address.port] : [];
}

/** Stops accepting connections and ends idle keep-alive ones, so close() does not hang on them. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Listens and resolves with the bound URL. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}
