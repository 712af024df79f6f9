import type { Logger } from 'pino';
import type { AgentService } from '../agents/index.js';
import { formatProblems, loadPolicyFile, watchPolicyFile } from '../policy-file/index.js';

/** New agents' tokens from a policy apply: shown once, on standard output, never in the log. */
export type TokenPrinter = (lines: string) => void;

/**
 * Applies `file` now (an invalid file stops the start with every problem listed), then again whenever
 * it changes; an invalid change is refused and logged, and the running policy stays.
 * Returns the function that stops watching.
 */
export async function syncPolicyFile(
  file: string,
  agents: AgentService,
  logger: Logger,
  printTokens: TokenPrinter,
): Promise<() => void> {
  const actor = { kind: 'policy' as const, name: file };
  const first = await loadPolicyFile(file);
  if (!first.ok) throw new Error(`policy file refused:\n${formatProblems(file, first.problems)}`);
  const apply = async (policy: Parameters<AgentService['applyPolicy']>[0]) => {
    const applied = await agents.applyPolicy(policy, actor);
    logger.info({ file, ...applied.plan.summary }, 'policy applied');
    if (applied.tokens.length > 0) {
      printTokens(
        [
          '',
          `  New agents from ${file} (tokens shown once):`,
          ...applied.tokens.map((t) => `    ${t.name.padEnd(16)} ${t.token}`),
          '',
        ].join('\n'),
      );
    }
  };
  await apply(first.policy);
  agents.setManagedBy(file);
  const stop = watchPolicyFile(
    file,
    (policy) =>
      apply(policy).catch((error: unknown) =>
        logger.error({ err: error, file }, 'policy apply failed; the running policy stays'),
      ),
    (problems) =>
      logger.error(
        { file, problems: formatProblems(file, problems) },
        'policy file refused; the running policy stays',
      ),
  );
  return () => {
    agents.setManagedBy(null);
    stop();
  };
}
