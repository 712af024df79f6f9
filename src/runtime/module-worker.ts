import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `entry` names beside the caller (`import.meta.url`): from `dist/` as
 * compiled JavaScript, or from source (tsx, vitest) through tsx's loader. A worker's own entry file is not
 * seen by `--import` hooks, so from source the worker starts from a small script that registers tsx (its
 * ESM API, by absolute path: the cwd may be anywhere) and then imports the TypeScript entry.
 * @example const worker = startModuleWorker('./sinks-worker', import.meta.url, { specs });
 */
export function startModuleWorker(entry: string, callerUrl: string, workerData: unknown): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`${entry}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(url, { workerData });
  // `require` resolves tsx's CommonJS build of the API; its ESM build sits beside it.
  const api = createRequire(callerUrl)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const script = `import(${JSON.stringify(pathToFileURL(api).href)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(script, { eval: true, workerData });
}
