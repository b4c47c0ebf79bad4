/**
 * `npm run demo` — the agent desktop surviving the death of its T-Server, in about five seconds.
 *
 * What it does, all in this process and on 127.0.0.1 only:
 *  1. starts a HotStandbyPair (tserver-a primary, tserver-b backup) from `tlib-client/simulator`;
 *  2. opens a TServerConnection to the primary only: the backup's address is learned from
 *     EventRestoreConnection and a silent hot-standby session is opened to it;
 *  3. runs an agent desktop (examples/lib/desktop.ts): register DN 1001, agent login → ready,
 *     answer each ringing call, attach user data, release after a short talk;
 *  4. places five calls; during the third one it kills the primary (sockets destroyed, no goodbye);
 *  5. shows the desktop carrying on: the failover gap (ms from the kill to the first event from the
 *     new primary), the resync summary, the rest of the calls handled by tserver-b;
 *  6. restarts tserver-a, which comes back as backup, and waits for the SDK to reopen its standby
 *     session; logs the agent out, closes everything and prints one end line.
 *
 * Every event is one line: time, server, event, DN, ConnID, details, #EventSequenceNumber.
 * Exit code 0 when all went as described, 1 with a `FAILED: …` line otherwise (no failover within
 * FAILOVER_BOUND_MS, a call not handled, the 30 s watchdog…).
 *
 * Run:  npm run demo          (or: npx tsx examples/demo.ts)
 * More: DEBUG=tlib:connection npm run demo   shows the SDK's own decisions.
 */
import { performance } from 'node:perf_hooks';
import { TServerConnection, type ResyncSummary, type TEvent } from '../src/index.js';
import { AgentDesktop } from './lib/desktop.js';
import { formatEvent, formatState, say } from './lib/format.js';
import { parseExampleArgs, run, startTarget, watchdog } from './lib/target.js';

const USAGE = `usage: npm run demo   (or npx tsx examples/demo.ts)

Runs a simulated hot-standby pair and an agent desktop in this process, kills the primary
halfway, and shows the desktop carrying on. Exits 0 on success, 1 with a FAILED line otherwise.`;

const DN = '1001';
const AGENT = 'agent-007';
const CALLS = 5;
const KILL_DURING_CALL = 3;
const TALK_MS = 700;
/** The demo fails if no event comes from the new primary within this time after the kill. */
const FAILOVER_BOUND_MS = 5_000;
const STEP_BOUND_MS = 5_000;

run(async () => {
  const t0 = performance.now();
  watchdog(30_000, 'the demo');
  parseExampleArgs(process.argv.slice(2), USAGE);

  // 1. The pair. repeatOnPromotion: the new primary re-sends the old one's last 2 call/agent events
  //    with their original EventSequenceNumber, as a real backup may; the SDK delivers each once.
  const target = await startTarget({ primary: undefined, backup: undefined, values: {} }, { repeatOnPromotion: 2 });
  const pair = target.pair!;
  const label = target.label;
  say(`tlib-client demo: hot-standby pair ${pair.a.name} ${pair.a.url} (primary), ${pair.b.name} ${pair.b.url} (backup)`);

  // 2. The connection: primary only; short ADDP and backoff so the demo is quick.
  const conn = new TServerConnection({
    primary: target.primary,
    applicationName: 'tlib-demo',
    requestTimeoutMs: 3_000,
    addp: { timeoutMs: 1_000, remoteTimeoutMs: 1_000 },
    reconnect: { minTimeoutMs: 100, maxTimeoutMs: 500 },
  });

  // The live log, and the bookkeeping the summary needs.
  const seen = new Set<number>();
  let duplicates = 0;
  let events = 0;
  let kill: { at: number; newPrimary: string } | undefined;
  let failover: { gapMs: number; first: string } | undefined;
  let onFailover: (() => void) | undefined;
  conn.on('event', (e: TEvent) => {
    events++;
    console.log(formatEvent(e, label));
    const seq = (e as { EventSequenceNumber?: number }).EventSequenceNumber;
    if (typeof seq === 'number') {
      if (seen.has(seq)) duplicates++;
      seen.add(seq);
    }
    if (kill && !failover && e.Server === kill.newPrimary) {
      failover = { gapMs: performance.now() - kill.at, first: e.Event };
      onFailover?.();
    }
  });
  const resyncs: ResyncSummary[] = [];
  conn.on('resynced', (s) => {
    resyncs.push(s);
    say(
      `resynced on ${label(s.server)} in ${s.durationMs.toFixed(1)} ms: location, ${s.dns} DN, ${s.calls} call queried, ${s.errors.length} errors`,
    );
  });
  conn.on('protocolWarning', (w) => say(`protocol warning ${w.code} from ${label(w.server)}: ${w.detail}`));
  conn.on('error', (err) => say(`error ${err.code}: ${err.message}`));

  await conn.open();
  await until(() => conn.state.standby !== undefined, STEP_BOUND_MS, 'the hot-standby session to the backup');
  say(`backup learned from EventRestoreConnection; hot-standby session open. state: ${formatState(conn.state, label)}`);

  // 3. The desktop.
  const desktop = new AgentDesktop(conn, {
    dn: DN,
    agentId: AGENT,
    talkMs: TALK_MS,
    userData: (_connId, n) => ({ CaseID: `CASE-${1000 + n}`, Disposition: 'resolved', HandledBy: AGENT }),
    log: say,
    label,
  });
  desktop.on('problem', (err) => say(`desktop problem: ${err.message}`));
  await desktop.start();

  // 4–5. Calls, and the kill during one of them.
  let handledBefore = 0;
  for (let i = 1; i <= CALLS; i++) {
    const from = `555000${i}`;
    const connId = pair.primary.placeCall(DN, { from, userData: [['Queue', 'Support']] });
    say(`call ${i}/${CALLS} from ${from} placed on ${pair.primary.name}: ConnID ${connId}`);
    if (i === KILL_DURING_CALL) {
      await desktop.next('attached', connId, STEP_BOUND_MS);
      handledBefore = desktop.handled;
      const victim = pair.primary;
      const heir = pair.backup;
      say(`>>> killing the primary ${victim.name} while call ${i} is established <<<`);
      const failedOver = new Promise<void>((resolve) => (onFailover = resolve));
      kill = { at: performance.now(), newPrimary: heir.url };
      await pair.kill(victim);
      await bounded(failedOver, FAILOVER_BOUND_MS, `no failover: no event from ${heir.name} within ${FAILOVER_BOUND_MS} ms of the kill`);
      say(`failover gap: ${failover!.gapMs.toFixed(1)} ms from the kill to ${failover!.first} from ${heir.name}`);
      await until(() => resyncs.length > 0, STEP_BOUND_MS, 'the resync after EventPrimaryChanged');
      say(`state: ${formatState(conn.state, label)}`);
    }
    await desktop.next('released', connId, STEP_BOUND_MS);
  }

  // 6. Redundancy back: the dead server restarts as backup; the SDK reopens a standby session to it.
  const dead = pair.a.isRunning ? pair.b : pair.a;
  say(`restarting ${dead.name}: it comes back as backup`);
  await pair.restart(dead);
  await until(() => conn.state.standby !== undefined, STEP_BOUND_MS, `a new hot-standby session to ${dead.name}`);
  say(`state: ${formatState(conn.state, label)}`);

  await desktop.stop();
  await conn.close();
  await target.stop();

  const resync = resyncs[0];
  const total = (performance.now() - t0) / 1000;
  say(
    `summary: ${desktop.handled}/${CALLS} calls handled (${handledBefore} before the kill, ${desktop.handled - handledBefore} during and after), ${events} events, ${duplicates} duplicate sequence numbers delivered`,
  );
  if (desktop.handled !== CALLS) throw new Error(`${desktop.handled} of ${CALLS} calls were handled`);
  if (duplicates !== 0) throw new Error(`${duplicates} events were delivered twice`);
  console.log(
    `DEMO OK in ${total.toFixed(1)} s: ${CALLS} calls handled, failover gap ${failover!.gapMs.toFixed(1)} ms, resync ${resync.durationMs.toFixed(1)} ms (${resync.dns} DN, ${resync.calls} call, ${resync.errors.length} errors)`,
  );
});

/** Polls `ok` until it holds, or throws naming `what`. */
async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`${what}: not there within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function bounded<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]);
}
