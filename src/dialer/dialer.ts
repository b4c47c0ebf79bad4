/**
 * An outbound dialer: `conn.dialer(options)`, then `dialer.dial(target, number, options)` places a
 * predictive call (RequestMakePredictiveCall) for a routing point or ACD queue and resolves with
 * how it ended — answered by a person, a machine, busy, no answer, a SIT tone, a fax — with its
 * CallState and ConnID. A call a person (or a machine) answered then arrives at the target as any
 * call: EventRouteRequest at a routing point (served by `conn.route()`), EventQueued at a queue.
 *
 * What makes it safe for a campaign: at most `maxInFlight` dials are in progress (the rest wait in
 * order, bounded in count and bytes); each dial settles exactly once; and a dial is never carried
 * out twice — one caught by a failover learns its outcome by asking the new primary (./recovery.ts).
 * Its requests go on the connection's routing lane: never refused by the user's offline queue,
 * never taking the user's in-flight slots, and one refused by a server not primary yet (EventError
 * 52: not carried out) is sent again by the connection once a server is primary.
 */
import { EventEmitter } from 'eventemitter3';
import { InvalidArgumentError, InvalidStateError, RequestInterruptedError, RequestTimeoutError } from '../errors.js';
import { approxBytes, checkWholeNumbers, failureOf } from '../routing/checks.js';
import { showValue } from '../util/show-value.js';
import { Fifo } from '../util/fifo.js';
import { holdRegistration, registrationHeld, releaseRegistration } from '../routing/registration.js';
import { ROUTING_LANE } from '../routing/types.js';
import { RequestWindow } from '../routing/window.js';
import { type Clock, clockOf } from '../util/clock.js';
import { outcomeOf } from './outcome.js';
import { checkCall, LostDials } from './recovery.js';
import {
  DIAL_DEFAULTS,
  DialError,
  type DialErrorCode,
  type DialerEvents,
  type DialerHost,
  type DialerOptions,
  type DialOptions,
  type DialOutcome,
  type DialResult,
  type DialStats,
} from './types.js';

interface Dial {
  target: string;
  number: string;
  /** RequestMakePredictiveCall's attributes: ThisDN, OtherDN, the ring Timeout and what the caller attached. */
  args: { ThisDN: string; OtherDN: string; Timeout: number; UserData?: unknown; Extensions?: unknown };
  bytes: number;
  /** queued → sending (request on the wire) → dialing (ConnID known) | lost (request lost: looking for its call) → done. */
  stage: 'queued' | 'sending' | 'dialing' | 'lost' | 'done';
  connId: string | undefined;
  /** When its outcome should be known (sent + ring timeout + grace, clock ms): checks before it find it ringing, as they should. */
  due: number;
  /** Checks past `due` that did not tell the outcome. */
  misses: number;
  /** A check is on the wire: another would ask the same (the connection re-sends it to a new server). */
  checking: boolean;
  timer: unknown;
  resolve: (r: DialResult) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The caller stopped waiting (abort): the outcome is still counted, not delivered. */
  callerGone: boolean;
}

/** Early outcome events kept for ConnIDs no dial has claimed yet (the EventDialing answer is claimed a tick later). */
const MAX_EARLY = 10_000;
/** Queries at once when looking for outcomes (checks, lost dials). */
const CHECK_WINDOW = 10;

const OUTCOMES: readonly DialOutcome[] = ['answered', 'machine', 'busy', 'noAnswer', 'sit', 'fax', 'failed'];

/** An outbound campaign's dialer (`conn.dialer(options)`): `dial()` places predictive calls, at most `maxInFlight` at once, and resolves each with its outcome. See docs/dialer.md. */
export class Dialer extends EventEmitter<DialerEvents> {
  private readonly host: DialerHost;
  private readonly clock: Clock;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly maxQueuedBytes: number;
  private readonly timeoutMs: number;
  private readonly graceMs: number;
  private readonly queue = new Fifo<Dial>();
  private queued = 0;
  private queuedBytes = 0;
  private inFlight = 0;
  private readonly byConnId = new Map<string, Dial>();
  /** Dials whose request was lost with its server, until their call is found at the target. */
  private readonly lost: LostDials<Dial>;
  private readonly window = new RequestWindow(CHECK_WINDOW);
  /** Targets registered (or being registered) so their events come: true when this dialer holds the registration. */
  private readonly targets = new Map<string, Promise<boolean>>();
  /** First deciding event per unclaimed ConnID at a target, kept until the next tick. */
  private readonly early = new Map<string, Record<string, unknown>>();
  private earlyCleanup = false;
  private readonly counts: Omit<DialStats, 'queued' | 'inFlight' | 'outcomes'> = {
    accepted: 0,
    sent: 0,
    checked: 0,
    unknown: 0,
    refused: 0,
    aborted: 0,
    overflowed: 0,
  };
  private readonly outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<DialOutcome, number>;
  private closing: Promise<void> | undefined;
  private idle: (() => void) | undefined;
  private readonly onEvent = (e: Record<string, unknown>) => this.observe(e);
  private readonly onNewServer = () => this.checkAll();

  constructor(host: DialerHost, options: DialerOptions = {}) {
    super();
    checkWholeNumbers('dialer()', options as Record<string, unknown>, {
      maxInFlight: 100_000,
      maxQueued: 10_000_000,
      maxQueuedBytes: 2 ** 40,
      timeoutMs: 2_147_483_647,
      outcomeGraceMs: 2_147_483_647,
    });
    this.host = host;
    this.clock = clockOf(host);
    this.lost = new LostDials<Dial>({
      host,
      window: this.window,
      clock: this.clock,
      owned: (connId) => this.byConnId.has(connId),
      isLost: (d) => d.stage === 'lost',
      found: (d, connId) => {
        this.follow(d, connId);
        void this.check(d);
      },
      unknown: (d, why, cause) => this.unknown(d, why, cause),
    });
    this.maxInFlight = options.maxInFlight ?? DIAL_DEFAULTS.maxInFlight;
    this.maxQueued = options.maxQueued ?? DIAL_DEFAULTS.maxQueued;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DIAL_DEFAULTS.maxQueuedBytes;
    this.timeoutMs = options.timeoutMs ?? DIAL_DEFAULTS.timeoutMs;
    this.graceMs = options.outcomeGraceMs ?? DIAL_DEFAULTS.outcomeGraceMs;
    host.on('event', this.onEvent);
    host.on('EventPrimaryChanged', this.onNewServer);
    host.on('EventServerConnected', this.onNewServer);
  }

  /**
   * Places a predictive call to `number` for `target` (a routing point or ACD queue, registered
   * here if it is not yet) and resolves with its outcome. Waits for a slot past `maxInFlight`;
   * rejects with DialError (ERR_DIAL_QUEUE_FULL, ERR_DIAL_REFUSED, ERR_DIAL_OUTCOME_UNKNOWN,
   * ERR_DIALER_CLOSED), InvalidArgumentError, or the signal's reason.
   */
  dial(target: string, number: string, options: DialOptions = {}): Promise<DialResult> {
    try {
      if (typeof target !== 'string' || target.length === 0)
        throw new InvalidArgumentError(`dial(): target must be a routing point or queue DN, got ${showValue(target)}`);
      if (typeof number !== 'string' || number.length === 0)
        throw new InvalidArgumentError(`dial(): number must be a non-empty string, got ${showValue(number)}`);
      checkWholeNumbers('dial()', options as Record<string, unknown>, { timeoutMs: 2_147_483_647 });
      options.signal?.throwIfAborted();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.closing) return Promise.reject(new DialError('ERR_DIALER_CLOSED', target, number, undefined, 'the dialer is closed'));
    const args: Dial['args'] = { ThisDN: target, OtherDN: number, Timeout: options.timeoutMs ?? this.timeoutMs };
    if (options.userData !== undefined) args.UserData = options.userData;
    if (options.extensions !== undefined) args.Extensions = options.extensions;
    const bytes = approxBytes(args);
    if (this.inFlight >= this.maxInFlight && (this.queued >= this.maxQueued || this.queuedBytes + bytes > this.maxQueuedBytes)) {
      this.counts.overflowed++;
      const why =
        this.queued >= this.maxQueued
          ? `${this.maxQueued} dials already wait (maxQueued; maxInFlight ${this.maxInFlight})`
          : `the dials waiting hold ${this.queuedBytes} bytes and this one ${bytes} (maxQueuedBytes ${this.maxQueuedBytes})`;
      return Promise.reject(new DialError('ERR_DIAL_QUEUE_FULL', target, number, undefined, `not placed: ${why}`));
    }
    this.counts.accepted++;
    return new Promise<DialResult>((resolve, reject) => {
      const dial: Dial = {
        target,
        number,
        args,
        bytes,
        stage: 'queued',
        connId: undefined,
        due: 0,
        misses: 0,
        checking: false,
        timer: undefined,
        resolve,
        reject,
        signal: options.signal,
        onAbort: undefined,
        callerGone: false,
      };
      if (options.signal) {
        dial.onAbort = () => this.abort(dial);
        options.signal.addEventListener('abort', dial.onAbort, { once: true });
      }
      if (this.inFlight < this.maxInFlight) this.send(dial);
      else {
        this.queue.push(dial);
        this.queued++;
        this.queuedBytes += bytes;
      }
    });
  }

  /** Counts since the dialer started; every dial accepted ends in exactly one outcome, `unknown`, `refused` or `aborted`. */
  stats(): DialStats {
    return { ...this.counts, queued: this.queued, inFlight: this.inFlight, outcomes: { ...this.outcomes } };
  }

  /**
   * Stops dialling: waiting dials reject with ERR_DIALER_CLOSED (never sent); dials in progress
   * finish (their calls are real). Then it lets go of the targets it registered: each is
   * unregistered unless a routing point (conn.route()) or another dialer still uses it. Resolves
   * when every dial has settled and those are unregistered.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    for (let d = this.queue.shift(); d !== undefined; d = this.queue.shift()) {
      if (d.stage === 'queued') this.refuse(d, 'ERR_DIALER_CLOSED', 'not placed: the dialer was closed first');
    }
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.host.off('event', this.onEvent);
    this.host.off('EventPrimaryChanged', this.onNewServer);
    this.host.off('EventServerConnected', this.onNewServer);
    // Unregistered unless a routing point or another dialer still uses them.
    for (const [target, held] of this.targets) if (await held.catch(() => false)) await releaseRegistration(this.host, target);
  }

  private send(dial: Dial): void {
    dial.stage = 'sending';
    this.inFlight++;
    void this.placeCall(dial);
  }

  private async placeCall(dial: Dial): Promise<void> {
    try {
      await this.registered(dial.target);
    } catch (err) {
      this.refuse(dial, 'ERR_DIAL_REFUSED', `not placed: its target could not be registered, ${failureOf(err)}`, err);
      return;
    }
    if (dial.stage !== 'sending') return; // aborted meanwhile
    this.counts.sent++;
    dial.due = this.clock.now() + dial.args.Timeout + this.graceMs;
    let answer: Record<string, unknown>;
    try {
      answer = await this.host.request('RequestMakePredictiveCall', dial.args, ROUTING_LANE);
    } catch (err) {
      if (err instanceof RequestInterruptedError || err instanceof RequestTimeoutError) this.loseRequest(dial);
      else this.refuse(dial, 'ERR_DIAL_REFUSED', `not placed: ${failureOf(err)}`, err);
      return;
    }
    if (typeof answer.ConnID !== 'string') {
      this.unknown(dial, `EventDialing carried no ConnID: the call cannot be followed`);
      return;
    }
    this.follow(dial, answer.ConnID);
  }

  /**
   * Registers `target` once (kept across failovers by the connection), sharing the registration of a
   * routing point or another dialer on it (../routing/registration.ts); a DN the user registered
   * with their own call is used as it is. Resolves true when this dialer holds the registration.
   */
  private registered(target: string): Promise<boolean> {
    let p = this.targets.get(target);
    if (p === undefined) {
      p =
        !registrationHeld(this.host, target) && this.host.registeredDNs?.includes(target)
          ? Promise.resolve(false)
          : holdRegistration(this.host, target).then(
              () => true,
              (err: unknown) => {
                // Being registered meanwhile by the user's own call: registered is all a dial needs.
                if (!(err instanceof InvalidStateError)) throw err;
                return false;
              },
            );
      p.catch(() => this.targets.delete(target)); // tried again by the next dial
      this.targets.set(target, p);
    }
    return p;
  }

  /** The call has its ConnID: its outcome comes as an event at the target, or a check finds it. */
  private follow(dial: Dial, connId: string): void {
    dial.stage = 'dialing';
    dial.connId = connId;
    this.byConnId.set(connId, dial);
    const early = this.early.get(connId);
    if (early !== undefined) {
      this.early.delete(connId);
      this.observe(early);
      return;
    }
    this.arm(dial, dial.due - this.clock.now());
  }

  private arm(dial: Dial, ms: number): void {
    this.clock.clearTimeout(dial.timer);
    dial.timer = this.clock.setTimeout(() => void this.check(dial), Math.max(0, ms));
  }

  /** Every event: one about a dial's call at its target may decide its outcome. */
  private observe(e: Record<string, unknown>): void {
    const connId = e.ConnID;
    if (typeof connId !== 'string') return;
    const outcome = outcomeOf(e);
    if (outcome === undefined) return;
    const dial = this.byConnId.get(connId);
    if (dial !== undefined) {
      if (e.ThisDN === dial.target) this.settle(dial, outcome, e, false);
      return;
    }
    // A dial's answer and its outcome may come in one read: keep the outcome until the dial claims it.
    if (typeof e.ThisDN !== 'string' || !this.targets.has(e.ThisDN) || this.early.has(connId)) return;
    if (this.early.size >= MAX_EARLY) return; // a flood in one read: the dial's check learns its outcome
    this.early.set(connId, e);
    if (!this.earlyCleanup) {
      this.earlyCleanup = true;
      this.clock.defer(() => {
        this.earlyCleanup = false;
        this.early.clear();
      });
    }
  }

  /** After a failover or reconnect, every dial still ringing asks the new server now. */
  private checkAll(): void {
    for (const dial of this.byConnId.values()) {
      dial.misses = 0;
      void this.check(dial);
    }
  }

  private async check(dial: Dial): Promise<void> {
    if (dial.stage !== 'dialing' || dial.connId === undefined || dial.checking) return;
    this.clock.clearTimeout(dial.timer);
    dial.checking = true;
    const checked = await checkCall(this.host, this.window, dial.connId, dial.target);
    dial.checking = false;
    if (dial.stage !== 'dialing') return; // its outcome event came meanwhile
    if (checked.kind === 'outcome') this.settle(dial, checked.outcome, checked.event, true);
    else if (checked.kind === 'gone') this.unknown(dial, checked.why, checked.cause);
    else if (checked.kind === 'ringing' && this.clock.now() < dial.due) this.arm(dial, dial.due - this.clock.now());
    else if (++dial.misses >= DIAL_DEFAULTS.maxChecks)
      this.unknown(
        dial,
        checked.kind === 'ringing' ? `still ringing ${dial.misses} checks past its ring timeout` : checked.why,
        (checked as { cause?: unknown }).cause,
      );
    else this.arm(dial, this.graceMs);
  }

  /** The request was lost with its server: its call is looked for at the target (./recovery.ts). */
  private loseRequest(dial: Dial): void {
    dial.stage = 'lost';
    this.lost.add(dial);
  }

  private settle(dial: Dial, outcome: DialOutcome, event: Record<string, unknown>, checked: boolean): void {
    if (!this.end(dial)) return;
    this.outcomes[outcome]++;
    if (checked) this.counts.checked++;
    const result: DialResult = {
      outcome,
      callState: event.CallState as number | undefined,
      connId: dial.connId as string,
      target: dial.target,
      number: dial.number,
      event,
      checked,
    };
    if (!dial.callerGone) dial.resolve(result);
    for (const listener of this.listeners('outcome')) {
      try {
        listener(result);
      } catch (err) {
        process.emitWarning(`a Dialer 'outcome' listener threw: ${(err as Error)?.message ?? String(err)}`, { code: 'ERR_HANDLER' });
      }
    }
  }

  private unknown(dial: Dial, why: string, cause?: unknown): void {
    if (!this.end(dial)) return;
    this.counts.unknown++;
    this.fail(dial, new DialError('ERR_DIAL_OUTCOME_UNKNOWN', dial.target, dial.number, dial.connId, `${why} (never re-sent)`, cause));
  }

  private refuse(dial: Dial, code: DialErrorCode, why: string, cause?: unknown): void {
    if (!this.end(dial)) return;
    this.counts.refused++;
    this.fail(dial, new DialError(code, dial.target, dial.number, dial.connId, why, cause));
  }

  private fail(dial: Dial, err: unknown): void {
    if (!dial.callerGone) dial.reject(err);
  }

  /** The caller's signal aborted: a waiting dial is dropped; a placed one keeps its slot until its outcome. */
  private abort(dial: Dial): void {
    if (dial.stage === 'done' || dial.callerGone) return;
    dial.callerGone = true;
    dial.reject(dial.signal?.reason);
    if (dial.stage === 'queued' && this.end(dial)) {
      this.counts.aborted++;
      // An aborted dial stays in the FIFO until pumped; once such dials are most of it, they go now.
      if (this.queue.size > 2 * this.queued + 64) this.queue.retain((d) => d.stage === 'queued');
    }
  }

  /** Takes a dial out of play (false if it already was); frees its slot for the next waiting one. */
  private end(dial: Dial): boolean {
    if (dial.stage === 'done') return false;
    const wasQueued = dial.stage === 'queued';
    dial.stage = 'done';
    this.clock.clearTimeout(dial.timer);
    dial.signal?.removeEventListener('abort', dial.onAbort as () => void);
    if (dial.connId !== undefined) this.byConnId.delete(dial.connId);
    if (wasQueued) {
      this.queued--;
      this.queuedBytes -= dial.bytes;
      return true;
    }
    this.inFlight--;
    this.pump();
    if (this.inFlight === 0) this.idle?.();
    return true;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.size > 0 && !this.closing) {
      const next = this.queue.shift() as Dial;
      if (next.stage !== 'queued') continue; // aborted while it waited
      this.queued--;
      this.queuedBytes -= next.bytes;
      this.send(next);
    }
  }
}
