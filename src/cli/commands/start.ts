import type { Command } from 'commander';

/** `bollard start`: the proxy, the admin API, and in demo mode the emulator, until SIGINT/SIGTERM. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Start the proxy (agents) and the admin API. Without WORKOS_API_KEY: demo mode with the built-in emulator.',
    )
    .option('--port <port>', 'proxy port for agents (env BOLLARD_PORT)', undefined)
    .option('--admin-port <port>', 'admin API port (env BOLLARD_ADMIN_PORT)')
    .option('--host <host>', 'proxy bind address (env BOLLARD_HOST; default 127.0.0.1)')
    .option('--admin-host <host>', 'admin API bind address (env BOLLARD_ADMIN_HOST; default 127.0.0.1)')
    .option('--upstream <url>', 'WorkOS base URL (env BOLLARD_UPSTREAM; default https://api.workos.com)')
    .option('--data-dir <dir>', 'where the SQLite database lives (env BOLLARD_DATA_DIR; default ./.bollard)')
    .option('--database-url <url>', 'PostgreSQL instead of SQLite, for several replicas (env DATABASE_URL)')
    .option('--redis-url <url>', 'shared rate-limit counters for several replicas (env REDIS_URL)')
    .option('--policy <file>', 'apply a bollard.yaml at start and whenever it changes (env BOLLARD_POLICY)')
    .option(
      '--shadow-policy <file>',
      'evaluate a proposed bollard.yaml beside the enforced policy, never enforcing it (env BOLLARD_SHADOW_POLICY)',
    )
    .option(
      '--metrics-port <port>',
      'own port for /metrics and the probes, on 127.0.0.1, no auth (env BOLLARD_METRICS_PORT)',
    )
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env BOLLARD_LOG_LEVEL)')
    .addHelpText(
      'after',
      `
Environment: WORKOS_API_KEY (unset = demo mode), WORKOS_CLIENT_ID, WORKOS_WEBHOOK_SECRET,
BOLLARD_ADMIN_TOKEN (else one is generated and printed once), and the variables named above.

Stopping: SIGTERM drains — /readyz turns 503 at once, new connections are refused after
BOLLARD_DRAIN_GRACE_MS (default 5000; 0 in demo mode and on Ctrl-C), calls in flight finish
within BOLLARD_DRAIN_TIMEOUT_MS (default 20000), outcome records are flushed, exit 0.
A second signal stops at once.

Examples:
  npm start                                        # demo mode: emulator upstream, sample data
  WORKOS_API_KEY=sk_live_… bollard start --host 0.0.0.0
  DATABASE_URL=postgres://… REDIS_URL=redis://… bollard start   # one of several replicas`,
    )
    .action(async (options: Record<string, string | undefined>) => {
      const { ConfigError, loadConfig } = await import('../../config/index.js');
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(options);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        console.error(`bollard start: ${error.message}`);
        process.exitCode = 2;
        return;
      }
      const { startBollard } = await import('../../app/index.js');
      const running = await startBollard(config);
      process.stdout.write(running.banner);
      // The first signal drains: readiness false, then no new connections, calls in flight finish, outcomes
      // are flushed, exit 0. Ctrl-C (SIGINT) skips the grace: nobody's load balancer is watching a terminal.
      // A second signal stops at once (any outcome left unwritten is answered outcome_unknown at the next start).
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          console.error(`bollard: ${signal} again, stopping at once`);
          process.exit(signal === 'SIGINT' ? 130 : 143);
        }
        stopping = true;
        console.error(`bollard: ${signal}, draining (send it again to stop at once)`);
        running
          .drainAndClose(signal === 'SIGINT' ? { graceMs: 0 } : {})
          .then(({ unfinished }) => {
            if (unfinished > 0) console.error(`bollard: ${unfinished} calls were cut at the drain deadline`);
            process.exit(0);
          })
          .catch((error: unknown) => {
            console.error('bollard: stopping failed', error);
            process.exit(1);
          });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
