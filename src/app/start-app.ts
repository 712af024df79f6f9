import path from 'node:path';
import {
  buildAdminServer,
  type ConsoleSessions,
  createConsoleSessions,
  ensureAdminToken,
} from '../admin/index.js';
import type { BollardConfig } from '../config/index.js';
import type { RunningEmulator } from '../emulator/index.js';
import { createMetricsServer } from '../observability/index.js';
import { formatProblems, loadPolicyFile } from '../policy-file/index.js';
import { renderBanner } from './banner.js';
import { type AppOptions, type BollardApp, closeServer, createApp, listen } from './create-app.js';
import {
  type DemoAgentToken,
  demoWebhookSecret,
  ensureDemoAgents,
  freshDemoState,
  writeDemoEnv,
} from './demo.js';
import { syncPolicyFile } from './policy-sync.js';

/** Readiness false this long before new connections are refused, when not configured (not in demo mode). */
const DEFAULT_DRAIN_GRACE_MS = 5_000; // 5 seconds: a few load-balancer probe intervals

/** A listening Bollard. */
export interface RunningBollard {
  app: BollardApp;
  proxyUrl: string;
  adminUrl: string;
  /** The console's address; in demo mode a one-time sign-in link. */
  consoleUrl: string;
  /** The console's sessions and sign-in codes (in memory). */
  sessions: ConsoleSessions;
  /** `BOLLARD_METRICS_PORT`'s server (loopback, no authentication), or null. */
  metricsUrl: string | null;
  demo: boolean;
  emulator: RunningEmulator | null;
  demoAgents: DemoAgentToken[];
  /** Set when the admin token was generated at this start (print it once). */
  adminToken: string | null;
  /** Demo mode: the file that `source` turns into the admin URL, admin token and agent tokens. */
  demoEnv: string | null;
  banner: string;
  /**
   * Drains the proxy (readiness false, then no new connections, then calls in flight finish up to the
   * drain timeout), then closes everything, flushing outcome records. Grace and timeout come from the
   * configuration unless given.
   */
  drainAndClose(options?: { graceMs?: number }): Promise<{ unfinished: number }>;
  close(): Promise<void>;
}

/**
 * Starts Bollard: in demo mode (no WORKOS_API_KEY) the emulator first, in process, with the demo
 * data; then the store, the proxy and the admin API. Resolves once both ports listen.
 */
export async function startBollard(given: BollardConfig, options: AppOptions = {}): Promise<RunningBollard> {
  const demo = !given.workosApiKey && !options.upstream;
  const dataDir = path.resolve(given.dataDir);
  let emulator: RunningEmulator | null = null;
  let upstream = options.upstream;
  let previousState: string | null = null;
  let config = given;
  if (demo) {
    const { startEmulator } = await import('../emulator/index.js');
    emulator = await startEmulator({ port: 0, seed: 'demo', clientId: config.workosClientId });
    upstream = { url: emulator.url, apiKey: emulator.apiKey };
    // The emulator's data is new at every start: so is the demo's own state (kept aside, not deleted).
    if (!config.databaseUrl) previousState = await freshDemoState(dataDir);
    // The emulator signs its webhooks to Bollard's receiver with this secret (wired once the proxy listens).
    // A demo's receivers run on this machine: loopback destinations are allowed unless the operator set a rule.
    const webhookAllowPrivate = config.webhookAllowPrivate ?? {
      all: false,
      cidrs: ['127.0.0.0/8', '::1/128'],
    };
    config = Object.freeze({
      ...config,
      workosWebhookSecret: config.workosWebhookSecret ?? demoWebhookSecret(),
      webhookAllowPrivate,
    });
  }
  const app = await createApp(config, { ...options, upstream });
  const closing: Array<() => Promise<void>> = [() => app.close()];
  let banner = '';
  if (emulator) closing.push(() => emulator.close());
  try {
    const demoAgents = demo ? await ensureDemoAgents(app.agents) : [];
    let policyTokens = '';
    if (config.policy) {
      const stopWatching = await syncPolicyFile(config.policy, app.agents, app.logger, (lines) => {
        if (banner) process.stdout.write(lines);
        else policyTokens += lines;
      });
      closing.unshift(async () => stopWatching());
    }
    if (config.shadowPolicy) {
      const shadow = await loadPolicyFile(config.shadowPolicy);
      if (!shadow.ok)
        throw new Error(
          `shadow policy file refused:\n${formatProblems(config.shadowPolicy, shadow.problems)}`,
        );
      app.shadow.set(shadow.policy, config.shadowPolicy);
    }
    app.policyLoaded();
    const adminToken = await ensureAdminToken({
      dataDir: path.resolve(config.dataDir),
      configured: config.adminToken,
      regenerate: demo,
    });
    const sessions = createConsoleSessions();
    let proxyUrl: string | null = null;
    const admin = await buildAdminServer({
      sessions,
      proxyUrl: () => proxyUrl,
      store: app.store,
      agents: app.agents,
      freezes: app.freezes,
      approvals: app.approvals,
      shadow: app.shadow,
      webhooks: app.webhooks.service,
      adminTokenHash: adminToken.hash,
      adminHost: config.adminHost,
      allowedHosts: config.adminAllowedHosts,
      allowedOrigins: config.adminAllowedOrigins,
      readiness: app.readiness,
      metrics: app.metrics,
      checkpoints: app.checkpoints,
      // Warnings and errors only: Fastify's per-request and "listening" lines at info would interleave
      // with the banner and repeat what the audit log already records.
      logger: app.logger.child(
        { component: 'admin' },
        { level: app.logger.isLevelEnabled('warn') ? 'warn' : app.logger.level },
      ),
    });
    closing.unshift(() => admin.close());
    await admin.listen({ port: config.adminPort, host: config.adminHost });
    const adminAddress = admin.server.address();
    if (adminAddress && typeof adminAddress === 'object') app.ownPorts.add(adminAddress.port);
    const adminUrl =
      adminAddress && typeof adminAddress === 'object'
        ? `http://${config.adminHost}:${adminAddress.port}`
        : '';
    let metricsUrl: string | null = null;
    if (config.metricsPort !== undefined && app.metrics) {
      const metricsServer = createMetricsServer(app.metrics, app.readiness);
      closing.unshift(() => closeServer(metricsServer));
      // Loopback only: this port has no authentication.
      metricsUrl = await listen(metricsServer, config.metricsPort, '127.0.0.1');
    }
    proxyUrl = await listen(app.proxy, config.port, config.host);
    let demoEnv: string | null = null;
    if (emulator && config.workosWebhookSecret) {
      emulator.setWebhookTarget({ url: `${proxyUrl}/webhooks/workos`, secret: config.workosWebhookSecret });
      demoEnv = await writeDemoEnv(dataDir, {
        proxyUrl,
        adminUrl,
        adminToken: adminToken.generated ?? config.adminToken ?? null,
        agents: demoAgents,
      });
    }
    // Demo mode: a one-click sign-in (the code works once, for 15 minutes; in the fragment, so no log sees it).
    const consoleUrl = demo ? `${adminUrl}/#/sign-in?code=${sessions.issueCode().code}` : `${adminUrl}/`;
    banner =
      renderBanner({
        proxyUrl,
        adminUrl,
        metricsUrl,
        upstream: app.upstream.url,
        demo,
        dataLocation: config.databaseUrl
          ? 'PostgreSQL (DATABASE_URL)'
          : path.resolve(config.dataDir, 'bollard.db'),
        adminToken: adminToken.generated,
        consoleUrl,
        demoAgents,
        demoEnv,
        previousState,
        warnings: app.warnings,
        unknownOutcomes: app.unknownOutcomes,
      }) + policyTokens;
    return {
      app,
      proxyUrl,
      adminUrl,
      consoleUrl,
      sessions,
      metricsUrl,
      demo,
      emulator,
      demoAgents,
      adminToken: adminToken.generated,
      demoEnv,
      banner,
      async drainAndClose(drainOptions = {}) {
        const result = await app.drain({
          graceMs: drainOptions.graceMs ?? config.drainGraceMs ?? (demo ? 0 : DEFAULT_DRAIN_GRACE_MS),
          timeoutMs: config.drainTimeoutMs,
          logger: app.logger,
        });
        for (const close of closing) await close().catch(() => undefined);
        return result;
      },
      async close() {
        for (const close of closing) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closing) await close().catch(() => undefined);
    throw error;
  }
}
