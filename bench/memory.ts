/**
 * Figure 5 — memory: heap per open connection with 1,000 DNs, and heap and handles before/after
 * 1,000 failover cycles. Runs bench/memory-child.ts in a child process with --expose-gc.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryResult } from './memory-child.js';
import { fmtBytes, fmtMs, fmtRatio, table, type Bench, type BenchContext, type Figure } from './lib/report.js';

function runChild(quick: boolean): Promise<MemoryResult> {
  const file = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(file, quick ? ['--quick'] : [], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      timeout: 170_000,
    });
    let result: MemoryResult | undefined;
    let error: string | undefined;
    child.on('message', (m: { result?: MemoryResult; error?: string }) => {
      result = m.result ?? result;
      error = m.error ?? error;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`memory child ended (code ${code}, signal ${signal}): ${error ?? 'no result'}`));
    });
  });
}

const show = (h: Record<string, number>) =>
  Object.entries(h)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** Handles in `after` beyond those in `before`, by kind. */
function extra(before: Record<string, number>, after: Record<string, number>): number {
  return Object.entries(after).reduce((n, [k, v]) => n + Math.max(0, v - (before[k] ?? 0)), 0);
}

export const memoryBench: Bench = {
  name: 'memory',
  title: 'Figure 5: memory (child process with --expose-gc; simulator in a worker thread)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const r = await runChild(ctx.quick);
    const growth = r.heapAfter - r.heapBefore;
    const leftWhileOpen = extra(r.handlesBefore, r.handlesAfter);
    const leftAfterClose = extra(r.handlesBeforeOpen, r.handlesAfterClose);
    ctx.log(
      table(
        ['per open connection', 'heap', 'RSS (process)', 'SDK ÷ this (heap)'],
        [
          [
            `TServerConnection + standby session, ${r.dnsPerConnection} DNs (mean of ${r.connections}, median of ${r.rounds} rounds)`,
            fmtBytes(r.heapPerConnection),
            fmtBytes(r.rssPerConnection),
            '1.00×',
          ],
          [
            `baseline: bare socket + FrameDecoder + Map of the ${r.dnsPerConnection} DNs`,
            fmtBytes(r.baselinePerConnection),
            fmtBytes(r.baselineRssPerConnection),
            fmtRatio(r.heapPerConnection / r.baselinePerConnection),
          ],
        ],
      ),
    );
    ctx.log();
    ctx.log(
      table(
        [`${r.cycles} failover cycles (after ${r.warmupCycles} warm-up cycles)`, 'before', 'after', 'change'],
        [
          ['heap used (after gc)', fmtBytes(r.heapBefore), fmtBytes(r.heapAfter), fmtBytes(growth)],
          ['RSS (process)', fmtBytes(r.rssBefore), fmtBytes(r.rssAfter), fmtBytes(r.rssAfter - r.rssBefore)],
          ['connection listeners', r.listenersBefore, r.listenersAfter, r.listenersAfter - r.listenersBefore],
          ['handles while open', show(r.handlesBefore), show(r.handlesAfter), `+${leftWhileOpen}`],
          ['handles: before open / after close', show(r.handlesBeforeOpen), show(r.handlesAfterClose), `+${leftAfterClose}`],
        ],
      ),
    );
    ctx.log(
      `(one cycle — kill the primary, resync on the new one, restart the dead server, standby back — took ${fmtMs(r.cycleMs)} on average)`,
    );
    return [
      {
        id: 'memory.per_connection',
        value: Math.round(r.heapPerConnection / 1024),
        unit: 'KiB',
        extra: {
          dns: r.dnsPerConnection,
          rss_KiB: Math.round(r.rssPerConnection / 1024),
          baseline_KiB: Math.round(r.baselinePerConnection / 1024),
        },
        ratio: { value: r.heapPerConnection / r.baselinePerConnection, baseline: 'bare socket + FrameDecoder + Map of the DNs' },
        target: 'heap <= 2x a bare socket with a decoder (issue 17)',
        met: r.heapPerConnection / r.baselinePerConnection <= 2,
      },
      {
        id: 'memory.failover_cycles',
        value: Number((growth / 1024 / 1024).toFixed(3)),
        unit: 'MiB growth',
        extra: {
          cycles: r.cycles,
          handles_left: leftWhileOpen,
          handles_after_close: leftAfterClose,
          rss_growth_MiB: Number(((r.rssAfter - r.rssBefore) / 1048576).toFixed(2)),
        },
        ratio: { value: r.heapAfter / r.heapBefore, baseline: 'heap before the cycles' },
        target: 'growth <= 2 MB, zero handles left',
        met: growth <= 2 * 1024 * 1024 && leftWhileOpen === 0 && leftAfterClose === 0,
      },
    ];
  },
};
