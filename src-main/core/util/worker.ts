import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker module that sits next to the calling module: `<name>.js` in the built app, or
 * `<name>.ts` when running from source (tests, tsx), where the worker registers tsx first.
 */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (callerUrl.endsWith('.ts')) {
    const source = new URL(`./${name}.ts`, callerUrl).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
    return new Worker(boot, { ...options, eval: true });
  }
  return new Worker(new URL(`./${name}.js`, callerUrl), options);
}
