/**
 * Main-thread handle on a simulator (or hot-standby pair) running in a worker thread.
 */
import { Worker } from 'node:worker_threads';
import type { SimCommand, SimWorkerData } from './sim-worker.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class SimHost {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly worker: Worker,
    readonly primary: string,
    readonly backup: string | undefined,
  ) {
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`simulator worker: ${m.error}`));
      else p.resolve(m.result);
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  /** Starts the worker (TypeScript loaded through tsx's API) and its simulator. */
  static async start(data: SimWorkerData): Promise<SimHost> {
    const api = import.meta.resolve('tsx/esm/api');
    const file = new URL('./sim-worker.ts', import.meta.url).href;
    const code =
      `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(file)}); })` +
      `.catch((e) => { console.error(e); process.exit(1); });`;
    const worker = new Worker(code, { eval: true, workerData: data });
    const first = await new Promise<{ result?: { primary: string; backup: string | undefined }; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`simulator worker exited with ${code}`)));
    });
    if (!first.result) {
      await worker.terminate();
      throw new Error(`simulator worker failed to start: ${first.error}`);
    }
    return new SimHost(worker, first.result.primary, first.result.backup);
  }

  /** Sends a command to the worker; `transfer` moves buffers instead of copying them. */
  call<T = unknown>(command: SimCommand, transfer?: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, command }, transfer);
    });
  }

  async stop(): Promise<void> {
    try {
      await this.call({ cmd: 'stop' });
    } finally {
      await this.worker.terminate();
    }
  }
}
