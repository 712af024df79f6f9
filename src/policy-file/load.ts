import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { DesiredPolicy } from '../agents/index.js';
import {
  type PolicyProblem,
  type PolicyValidation,
  type ValidateOptions,
  validatePolicyText,
} from './validate.js';

/**
 * Reads and validates a policy file. A file that cannot be read is one problem at 1:1.
 * @example const result = await loadPolicyFile('bollard.yaml'); if (result.ok) await agents.applyPolicy(result.policy, actor);
 */
export async function loadPolicyFile(path: string, options: ValidateOptions = {}): Promise<PolicyValidation> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      ok: false,
      problems: [{ line: 1, column: 1, path: '', message: `cannot read ${path} (${reason})` }],
    };
  }
  return validatePolicyText(text, options);
}

/** Formats problems as `FILE:LINE:COLUMN message`, one a line, as editors and CI annotate them. */
export function formatProblems(file: string, problems: readonly PolicyProblem[]): string {
  return problems.map((problem) => `${file}:${problem.line}:${problem.column} ${problem.message}`).join('\n');
}

const SETTLE_MS = 100; // editors write a file in several steps (truncate, write, rename)

/**
 * Calls `onValid` with the policy each time the file changes and is valid, `onInvalid` with every
 * problem when it is not (the caller keeps the running policy). Watches the directory, because an
 * editor that saves by renaming replaces the file a watch on the file itself would follow.
 * Returns a function that stops watching.
 */
export function watchPolicyFile(
  path: string,
  onValid: (policy: DesiredPolicy) => void | Promise<void>,
  onInvalid: (problems: PolicyProblem[]) => void | Promise<void>,
): () => void {
  const full = resolve(path);
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const reload = () => {
    running = running.then(async () => {
      const result = await loadPolicyFile(full);
      if (result.ok) await onValid(result.policy);
      else await onInvalid(result.problems);
    });
  };
  const watcher: FSWatcher = watch(dirname(full), (_event, name) => {
    if (name !== null && name !== basename(full)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, SETTLE_MS);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
