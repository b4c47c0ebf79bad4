/**
 * Figure 4 — resync: from EventPrimaryChanged (as the user's handler sees it) to 'resynced', with
 * 100, 1,000 and 10,000 registered DNs (HotStandbyPair in a worker thread, killPrimary()).
 * Baseline, same run: the same number of RequestQueryAddress sent by the user at once
 * (Promise.all) on a steady connection — the floor for "query every DN".
 */
import { fmtMs, fmtNum, median, table, type Bench, type BenchContext, type Figure } from './lib/report.js';
import { openBare } from './e2e.js';
import { nextEvent, nextResync, registerAll, restoreStandby, startHaRig } from './lib/ha.js';

const dnsOf = (n: number) => Array.from({ length: n }, (_, i) => String(100_000 + i));

interface Row {
  dns: number;
  resync: number[];
  plain: number[];
  bare: number[];
}

export const resyncBench: Bench = {
  name: 'resync',
  title: "Figure 4: resync after EventPrimaryChanged ('resynced'), by registered DNs",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const sizes = [100, 1_000, 10_000];
    const rows: Row[] = [];
    for (const n of sizes) {
      // As many runs at 10,000 DNs as at the others: with 3, one slow run moved the median ±20 %.
      const runs = ctx.trials;
      // The user's Promise.all of n queries must all wait (not be refused): a queue as large as n.
      const rig = await startHaRig({ addp: false, requestTimeoutMs: 60_000, offlineQueue: { limit: 20_000 } });
      const row: Row = { dns: n, resync: [], plain: [], bare: [] };
      try {
        const dns = dnsOf(n);
        await registerAll(rig, dns);
        for (let i = 0; i < runs; i++) {
          const old = rig.conn.state.active;
          const changed = nextEvent(rig.conn, (e) => e.Event === 'EventPrimaryChanged' && e.Server !== old, 30_000);
          const resynced = nextResync(rig.conn);
          await rig.host.call({ cmd: 'killPrimaryAndCall', dn: undefined });
          const [c, r] = await Promise.all([changed, resynced]);
          if (r.summary.dns !== n || r.summary.errors.length > 0) {
            throw new Error(`resync of ${n} DNs: summary says ${r.summary.dns} DNs, ${r.summary.errors.length} errors`);
          }
          row.resync.push(r.at - c.at);
          // Baseline on the steady connection: the same queries, sent by the user at once.
          const plain = async () => {
            const t0 = performance.now();
            await Promise.all(dns.map((dn) => rig.conn.queryAddress(dn)));
            row.plain.push(performance.now() - t0);
          };
          // Baseline: a bare socket client (SDK codec) on the new primary, the same queries at once.
          const bareRun = async () => {
            const bare = await openBare(rig.conn.state.active!);
            try {
              const t1 = performance.now();
              await Promise.all(dns.map((dn, k) => bare.request(k + 1, dn)));
              row.bare.push(performance.now() - t1);
            } finally {
              await bare.close();
            }
          };
          // The two baselines in turns (the first after a resync pays for its garbage).
          if (i % 2 === 0) {
            await plain();
            await bareRun();
          } else {
            await bareRun();
            await plain();
          }
          if (i < runs - 1) await restoreStandby(rig);
        }
      } finally {
        await rig.close();
      }
      rows.push(row);
    }
    const per = (r: Row) => (median(r.resync) * 1000) / r.dns;
    ctx.log(
      table(
        ['registered DNs', 'runs', 'resync p50', 'min', 'max', 'µs per DN', 'SDK Promise.all p50', 'bare pipelined p50', 'resync ÷ bare'],
        rows.map((r) => [
          fmtNum(r.dns),
          r.resync.length,
          fmtMs(median(r.resync)),
          fmtMs(Math.min(...r.resync)),
          fmtMs(Math.max(...r.resync)),
          fmtNum(per(r), 1),
          fmtMs(median(r.plain)),
          fmtMs(median(r.bare)),
          `${(median(r.resync) / median(r.bare)).toFixed(2)}×`,
        ]),
      ),
    );
    const [r100, r1k, r10k] = rows;
    // Growth: how the time per DN changes from 1,000 to 10,000 DNs (1.0 = exactly linear).
    const growth = per(r10k) / per(r1k);
    ctx.log(
      `growth: time per DN at 10,000 ÷ at 1,000 = ${growth.toFixed(2)} (1.00 = linear; > 1 grows faster than linear); 1,000 ÷ 100 = ${(per(r1k) / per(r100)).toFixed(2)}`,
    );
    return [
      {
        id: 'resync.1000',
        value: Number(median(r1k.resync).toFixed(1)),
        unit: 'ms',
        extra: {
          dns100_ms: Number(median(r100.resync).toFixed(1)),
          dns10000_ms: Number(median(r10k.resync).toFixed(1)),
          growth_10k_vs_1k: growth.toFixed(2),
        },
        ratio: { value: median(r1k.resync) / median(r1k.plain), baseline: 'user Promise.all of 1,000 queries (lower is better)' },
        target: '1,000 DNs <= 250 ms, growth linear (<= 1.5)',
        met: median(r1k.resync) <= 250 && growth <= 1.5,
      },
      {
        id: 'resync.10000',
        value: Number(median(r10k.resync).toFixed(1)),
        unit: 'ms',
        extra: { bare_ms: Number(median(r10k.bare).toFixed(1)), sdk_promise_all_ms: Number(median(r10k.plain).toFixed(1)) },
        ratio: { value: median(r10k.resync) / median(r10k.bare), baseline: 'bare pipelined queries of 10,000 DNs (lower is better)' },
        target: '<= 1.1x bare pipelined queries (issue 17)',
        met: median(r10k.resync) / median(r10k.bare) <= 1.1,
        ranges: {
          resync: [Math.round(Math.min(...r10k.resync)), Math.round(Math.max(...r10k.resync))],
          bare: [Math.round(Math.min(...r10k.bare)), Math.round(Math.max(...r10k.bare))],
        },
      },
    ];
  },
};
