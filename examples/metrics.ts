/**
 * examples/metrics.ts — metrics from the SDK's `node:diagnostics_channel` channels, without patching it.
 *
 * Shows: subscribing to the channels of docs/diagnostics.md by name (DIAGNOSTICS_CHANNELS); turning
 * them into counters (requests by name and outcome, sessions opened and lost, failovers, resyncs)
 * and latency histograms (request round trips, resync durations), printed every --interval
 * seconds — what an application would hand to Prometheus or OpenTelemetry instead. Channels are
 * process-wide: each message carries the `connection` that published it, to tell several apart.
 *
 * Run against the in-process simulator (a steady load of queries and calls, the primary killed
 * halfway; prints three reports and exits 0):
 *   npx tsx examples/metrics.ts
 * Against a real T-Server (queries it every second and reports until Ctrl-C):
 *   npx tsx examples/metrics.ts --primary 127.0.0.1:7000 [--backup …] [--dn 1001] [--interval 5]
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DIAGNOSTICS_CHANNELS, type DiagnosticsMessages, TServerConnection } from 'tlib-client';
import { HotStandbyPair } from 'tlib-client/simulator';

/** Request latency buckets, in ms (upper bounds; the last catches the rest). */
const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 1000, Infinity];

class Histogram {
  readonly counts = BUCKETS_MS.map(() => 0);
  count = 0;
  sum = 0;
  max = 0;
  observe(ms: number): void {
    this.counts[BUCKETS_MS.findIndex((bound) => ms <= bound)]++;
    this.count++;
    this.sum += ms;
    this.max = Math.max(this.max, ms);
  }
  /** `n=12 mean=1.4 max=3.2 ms  ≤1:5 ≤2:6 ≤5:1` (empty buckets left out). */
  toString(): string {
    if (this.count === 0) return 'n=0';
    const buckets = this.counts.flatMap((n, i) => (n === 0 ? [] : [`${BUCKETS_MS[i] === Infinity ? '>1000' : `≤${BUCKETS_MS[i]}`}:${n}`]));
    return `n=${this.count} mean=${(this.sum / this.count).toFixed(1)} max=${this.max.toFixed(1)} ms  ${buckets.join(' ')}`;
  }
}

/** Everything counted, for one connection. */
class Metrics {
  readonly counters = new Map<string, number>();
  readonly latency = new Map<string, Histogram>();
  readonly resync = new Histogram();
  private readonly subscriptions: [string, (message: unknown, name: string | symbol) => void][] = [];

  constructor(private readonly connection: object) {
    this.on('tlib:request:start', (m) => this.count(`requests started{${m.request}}`));
    this.on('tlib:request:end', (m) => {
      this.count(`requests ok{${m.request}}`);
      this.histogram(m.request).observe(m.durationMs);
    });
    this.on('tlib:request:error', (m) =>
      this.count(`requests failed{${m.request},${(m.error as { code?: string }).code ?? m.error.name}}`),
    );
    this.on('tlib:session:open', (m) => this.count(`sessions opened{${m.role}}`));
    this.on('tlib:session:lost', () => this.count('sessions lost'));
    this.on('tlib:failover', (m) => this.count(`failovers{${m.cause}}`));
    this.on('tlib:resync', (m) => {
      this.count('resyncs');
      const summary = m.summary as { durationMs?: number };
      if (typeof summary.durationMs === 'number') this.resync.observe(summary.durationMs);
    });
  }

  private on<N extends keyof DiagnosticsMessages & string>(name: N, handle: (message: DiagnosticsMessages[N]) => void): void {
    const listener = (message: unknown, _name: string | symbol): void => {
      const m = message as DiagnosticsMessages[N];
      if (m.connection === this.connection) handle(m); // other connections in the process are not ours
    };
    diagnosticsChannel.subscribe(name, listener);
    this.subscriptions.push([name, listener]);
  }

  private count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  private histogram(request: string): Histogram {
    let h = this.latency.get(request);
    if (!h) this.latency.set(request, (h = new Histogram()));
    return h;
  }

  report(title: string): string {
    const lines = [`-- ${title}`];
    const counters = [...this.counters].sort(([a], [b]) => a.localeCompare(b));
    lines.push(
      ...(counters.length > 0 ? counters.map(([k, v]) => `   ${k} ${v}`) : ['   (no messages yet: is the connection publishing?)']),
    );
    for (const [request, h] of [...this.latency].sort(([a], [b]) => a.localeCompare(b))) lines.push(`   latency{${request}} ${h}`);
    lines.push(`   resync duration ${this.resync}`);
    return lines.join('\n');
  }

  close(): void {
    for (const [name, listener] of this.subscriptions) diagnosticsChannel.unsubscribe(name, listener);
    this.subscriptions.length = 0;
  }
}

const { values } = parseArgs({
  options: { primary: { type: 'string' }, backup: { type: 'string' }, dn: { type: 'string' }, interval: { type: 'string' } },
});
const dn = values.dn ?? '1001';
const intervalS = Number(values.interval ?? 2);
if (!(intervalS >= 0.1 && intervalS <= 3600)) throw new Error(`--interval must be 0.1 to 3600 seconds, got "${String(values.interval)}"`);
const say = (text: string) => console.log(`== ${text}`);
// Without --primary, a simulated hot-standby pair runs in this process.
const pair = values.primary ? undefined : await HotStandbyPair.start();
const names = new Map(pair ? [pair.a, pair.b].map((s) => [s.url, s.name]) : []);

await (async () => {
  const conn = new TServerConnection({
    primary: values.primary ?? pair!.addresses.primary,
    backup: values.backup ?? pair?.addresses.backup,
    applicationName: 'metrics-example',
  });
  conn.on('error', (err) => say(`error: ${err.code} ${err.message}`));
  const metrics = new Metrics(conn); // subscribe before open(): the first session counts too
  let reports = 0;
  const printer = setInterval(() => console.log(metrics.report(`report ${++reports} (every ${intervalS} s)`)), intervalS * 1000);
  try {
    await conn.open();
    await conn.registerAddress(dn);
    say(
      `connected to ${names.get(conn.state.active ?? '') ?? conn.state.active}, DN ${dn} registered; channels: ${Object.values(DIAGNOSTICS_CHANNELS).join(', ')}`,
    );
    if (pair) {
      // A steady load: queries, and calls that ring, are answered and released; the primary dies halfway.
      const load = async (ms: number) => {
        for (const end = Date.now() + ms; Date.now() < end; ) {
          await Promise.all([conn.queryServer(), conn.queryAddress(dn)]);
          const connId = pair.primary.placeCall(dn, { from: '5551234' });
          await sleep(20);
          pair.primary.answerCall(connId);
          pair.primary.releaseCall(connId);
          await sleep(60);
        }
      };
      await load(intervalS * 1000 * 1.5);
      say(`killing the primary ${pair.primary.name}`);
      await pair.killPrimary();
      await load(intervalS * 1000 * 1.5);
      while (reports < 3) await sleep(50);
    } else {
      const querying = setInterval(() => void conn.queryServer().catch(() => undefined), 1000);
      await new Promise((resolve) => process.once('SIGINT', resolve));
      say('SIGINT: stopping');
      clearInterval(querying);
    }
  } finally {
    clearInterval(printer);
    await conn.close();
    console.log(metrics.report('final'));
    metrics.close();
    await pair?.stop();
  }
  say('metrics done');
})();
