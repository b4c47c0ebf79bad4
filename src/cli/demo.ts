/**
 * `tlib demo` (and `npm run demo` from a checkout): an agent desktop surviving the death of its
 * T-Server, in a few seconds, from the installed package alone.
 *
 * All in this process, on 127.0.0.1 only:
 *  1. a HotStandbyPair (tserver-a primary, tserver-b backup) on free ports;
 *  2. a TServerConnection to the primary only: the backup's address comes from
 *     EventRestoreConnection, and a silent hot-standby session is opened to it;
 *  3. an agent desktop: DN 1001 registered, the agent logged in and ready; each ringing call is
 *     answered, gets user data, and is released after a short talk;
 *  4. five calls; during the third the primary is killed (sockets destroyed, no goodbye);
 *  5. the desktop carries on: the failover gap (from the kill to the new primary's first event),
 *     the resync summary, the other calls handled by tserver-b;
 *  6. tserver-a restarts as backup and the SDK reopens its standby session to it; the agent logs
 *     out, everything closes, and one `DEMO OK …` line ends it (exit code 0; 1 with `FAILED: …`).
 */
import { performance } from 'node:perf_hooks';
import { TServerConnection } from '../connection/connection.js';
import type { ConnectionState, ResyncSummary } from '../connection/types.js';
import { RequestInterruptedError, TServerError } from '../errors.js';
import type { TEvent } from '../protocol/types.js';
import { HotStandbyPair } from '../simulator/pair.js';
import { clock, formatEventLine } from '../format/event-line.js';

const DN = '1001';
const AGENT = 'agent-007';
const CALLS = 5;
const KILL_DURING_CALL = 3;
const TALK_MS = 700;
/** Each step (a call answered, a failover, a standby reopened) must happen within this. */
const STEP_MS = 5_000;
/** The whole demo must end within this. */
const WATCHDOG_MS = 30_000;

export interface DemoIO {
  /** Every line the demo prints. Default: process.stdout. */
  out?: (line: string) => void;
}

/** `conn.state` on one line: `open · active tserver-b · standby tserver-a · link up · 1 DN · 0 calls`. */
export function formatState(state: ConnectionState, label: (server: string) => string = String): string {
  const link = state.linkUp === undefined ? 'link ?' : state.linkUp ? 'link up' : 'link down';
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return [
    state.status,
    `active ${state.active ? label(state.active) : 'none'}`,
    `standby ${state.standby ? label(state.standby) : 'none'}`,
    link,
    plural(state.registeredDNs, 'DN'),
    plural(state.knownCalls, 'call'),
  ].join(' · ');
}

/** Resolves with what `pick` returns once it returns something, checked after each `event` of `conn`; rejects after `ms`. */
function when<T>(
  conn: TServerConnection,
  event: 'stateChange' | 'event' | 'resynced',
  pick: () => T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = pick();
      if (value === undefined) return;
      clearTimeout(timer);
      conn.off(event, check);
      resolve(value);
    };
    const timer = setTimeout(() => {
      conn.off(event, check);
      reject(new Error(`${what}: not within ${ms} ms`));
    }, ms);
    conn.on(event, check);
    check();
  });
}

/** Runs the demo; resolves with the exit code. */
export async function runDemo(io: DemoIO = {}): Promise<number> {
  const out = io.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const say = (text: string) => out(`${clock()}  == ${text}`);
  let watchdog: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => reject(new Error(`the demo did not finish within ${WATCHDOG_MS} ms`)), WATCHDOG_MS);
  });
  // The new primary re-sends the old one's last 2 call/agent events with their original
  // EventSequenceNumber, as a real backup may: the SDK delivers each event once.
  const pair = await HotStandbyPair.start({ host: '127.0.0.1', repeatOnPromotion: 2 });
  const names = new Map([
    [pair.a.url, pair.a.name],
    [pair.b.url, pair.b.name],
  ]);
  const label = (server: string) => names.get(server) ?? server;
  const conn = new TServerConnection({
    primary: pair.addresses.primary,
    applicationName: 'tlib-demo',
    requestTimeoutMs: 3_000,
    // Short keep-alive and backoff, so the demo is quick.
    addp: { timeoutMs: 1_000, remoteTimeoutMs: 1_000 },
    reconnect: { minTimeoutMs: 100, maxTimeoutMs: 500 },
  });
  try {
    await Promise.race([story(conn, pair, label, say, out), timedOut]);
    return 0;
  } catch (err) {
    out(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    await conn.close();
    await pair.stop();
  }
}

async function story(
  conn: TServerConnection,
  pair: HotStandbyPair,
  label: (server: string) => string,
  say: (text: string) => void,
  out: (line: string) => void,
): Promise<void> {
  const t0 = performance.now();
  say(`tlib-client demo: hot-standby pair ${pair.a.name} ${pair.a.url} (primary), ${pair.b.name} ${pair.b.url} (backup)`);
  const seen = new Set<number>();
  let duplicates = 0;
  let events = 0;
  let kill: { at: number; heir: string } | undefined;
  let failover: { gapMs: number; first: string } | undefined;
  const resyncs: ResyncSummary[] = [];
  conn.on('event', (e: TEvent) => {
    events++;
    out(formatEventLine(e, new Date(), label));
    const seq = (e as { EventSequenceNumber?: unknown }).EventSequenceNumber;
    if (typeof seq === 'number') {
      if (seen.has(seq)) duplicates++;
      seen.add(seq);
    }
    if (kill && !failover && e.Server === kill.heir) failover = { gapMs: performance.now() - kill.at, first: e.Event };
  });
  conn.on('resynced', (s) => {
    resyncs.push(s);
    say(
      `resynced on ${label(s.server)} in ${s.durationMs.toFixed(1)} ms: location, ${s.dns} DN, ${s.calls} call queried, ${s.errors.length} errors`,
    );
  });
  conn.on('protocolWarning', (w) => say(`protocol warning ${w.code} from ${label(w.server)}: ${w.detail}`));
  conn.on('error', (err) => say(`error ${err.code}: ${err.message}`));

  await conn.open();
  await when(conn, 'stateChange', () => conn.state.standby, STEP_MS, 'the hot-standby session to the backup');
  say(`backup learned from EventRestoreConnection; hot-standby session open. state: ${formatState(conn.state, label)}`);

  const desk = new Desk(conn, say, label);
  await desk.start();
  let handledBefore = 0;
  for (let i = 1; i <= CALLS; i++) {
    const from = `555000${i}`;
    const connId = pair.placeCall(DN, { from, userData: [['Queue', 'Support']] });
    say(`call ${i}/${CALLS} from ${from} placed on ${pair.primary.name}: ConnID ${connId}`);
    if (i === KILL_DURING_CALL) {
      await desk.until(() => desk.attached.has(connId), `user data attached to call ${i}`);
      handledBefore = desk.handled;
      const [victim, heir] = [pair.primary, pair.backup];
      say(`>>> killing the primary ${victim.name} while call ${i} is established <<<`);
      kill = { at: performance.now(), heir: heir.url };
      await pair.kill(victim);
      const gap = await when(conn, 'event', () => failover, STEP_MS, `an event from ${heir.name} after the kill`);
      say(`failover gap: ${gap.gapMs.toFixed(1)} ms from the kill to ${gap.first} from ${heir.name}`);
      await when(conn, 'resynced', () => resyncs[0], STEP_MS, 'the resync after EventPrimaryChanged');
      say(`state: ${formatState(conn.state, label)}`);
    }
    await desk.until(() => desk.released.has(connId), `call ${i} released`);
  }

  // Redundancy back: the dead server restarts as backup; the SDK reopens a standby session to it.
  const dead = pair.a.isRunning ? pair.b : pair.a;
  say(`restarting ${dead.name}: it comes back as backup`);
  await pair.restart(dead);
  await when(conn, 'stateChange', () => conn.state.standby, STEP_MS, `a new hot-standby session to ${dead.name}`);
  say(`state: ${formatState(conn.state, label)}`);
  await desk.stop();

  say(
    `summary: ${desk.handled}/${CALLS} calls handled (${handledBefore} before the kill, ${desk.handled - handledBefore} during and after), ${events} events, ${duplicates} duplicate sequence numbers delivered`,
  );
  if (desk.handled !== CALLS) throw new Error(`${desk.handled} of ${CALLS} calls were handled`);
  if (duplicates !== 0) throw new Error(`${duplicates} events were delivered twice`);
  const resync = resyncs[0];
  const total = (performance.now() - t0) / 1000;
  out(
    `DEMO OK in ${total.toFixed(1)} s: ${CALLS} calls handled, failover gap ${failover?.gapMs.toFixed(1)} ms, resync ${resync.durationMs.toFixed(1)} ms (${resync.dns} DN, ${resync.calls} call, ${resync.errors.length} errors)`,
  );
}

/**
 * The agent's desktop: answers each call ringing on its DN, attaches user data, releases after a
 * short talk. It knows nothing of failover: the connection keeps the same API alive through it.
 */
class Desk {
  handled = 0;
  private answered = 0;
  readonly attached = new Set<string>();
  readonly released = new Set<string>();
  private readonly talking = new Map<string, NodeJS.Timeout>();
  /** Checks waiting for the desk's progress (until()). */
  private readonly waiters = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly conn: TServerConnection,
    private readonly say: (text: string) => void,
    private readonly label: (server: string) => string,
  ) {
    conn.on('EventRinging', (e) => {
      if (e.ThisDN === DN && !this.stopped) this.act(`answer ${e.ConnID}`, () => conn.answerCall(DN, e.ConnID));
    });
    conn.on('EventEstablished', (e) => {
      if (e.ThisDN !== DN || this.stopped || this.talking.has(e.ConnID)) return;
      const n = ++this.answered;
      this.act(`attach user data to ${e.ConnID}`, async () => {
        await conn.attachUserData(DN, e.ConnID, { CaseID: `CASE-${1000 + n}`, Disposition: 'resolved', HandledBy: AGENT });
        this.attached.add(e.ConnID);
        this.progressed();
      });
      this.talking.set(
        e.ConnID,
        setTimeout(() => this.act(`release ${e.ConnID}`, () => this.release(e.ConnID)), TALK_MS),
      );
    });
    conn.on('EventReleased', (e) => {
      if (e.ThisDN === DN) this.ended(e.ConnID);
    });
  }

  async start(): Promise<void> {
    const reg = await this.conn.registerAddress(DN);
    this.say(`desktop: DN ${DN} registered on ${this.label(reg.Server)}`);
    try {
      await this.conn.agentLogin(DN, AGENT);
    } catch (err) {
      // 56: an agent is already logged in there. Carry on.
      if (!(err instanceof TServerError && err.errorCode === 56)) throw err;
    }
    await this.conn.agentReady(DN);
    this.say(`desktop: agent ${AGENT} ready on DN ${DN}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.talking.values()) clearTimeout(timer);
    this.talking.clear();
    await this.conn.agentLogout(DN);
  }

  private ended(connId: string): void {
    const timer = this.talking.get(connId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.talking.delete(connId);
    this.handled++;
    this.released.add(connId);
    this.progressed();
  }

  /** Resolves once `done()` holds (checked as the desk makes progress); rejects after STEP_MS. */
  until(done: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${what}: not within ${STEP_MS} ms`));
      }, STEP_MS);
      this.waiters.add(check);
      check();
    });
  }

  private progressed(): void {
    for (const check of [...this.waiters]) check();
  }

  /**
   * RequestReleaseCall is not idempotent: interrupted by the failover (outcome unknown), ask the
   * new primary whether the call still exists (57: no such call) before sending it again.
   */
  private async release(connId: string): Promise<void> {
    try {
      await this.conn.releaseCall(DN, connId);
    } catch (err) {
      if (!(err instanceof RequestInterruptedError)) throw err;
      this.say(`desktop: release of ${connId} interrupted by the failover; checking the call`);
      try {
        await this.conn.queryCall(connId);
      } catch (q) {
        if (q instanceof TServerError && q.errorCode === 57) return this.ended(connId);
        throw q;
      }
      await this.conn.releaseCall(DN, connId);
    }
  }

  private act(what: string, fn: () => Promise<unknown>): void {
    fn().catch((err: Error) => {
      if (!this.stopped) this.say(`desktop: could not ${what}: ${err.message}`);
    });
  }
}
