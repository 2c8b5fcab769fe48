/**
 * Starts one of sitroom's worker-thread modules (a file next to the caller). Built (dist/), the worker is JavaScript.
 * Under tsx or vitest it is TypeScript, and Node 20 workers do not take `--import tsx` from execArgv, so a small
 * bootstrap registers tsx (a dev dependency) before importing it.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `callerUrl` is the caller's import.meta.url; `name` the worker module's file name without its extension. */
export function startWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  // tsx's ESM entry (its CommonJS one registers with a path that only resolves from the main thread).
  const tsx = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const file = new URL(`./${name}.ts`, callerUrl).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(file)}); });`, { ...options, eval: true });
}
