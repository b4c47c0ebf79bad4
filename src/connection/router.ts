/**
 * RequestRouter: owns every request between creation and settlement — the in-flight table keyed by
 * ReferenceID (and the ReferenceIDs reserved for RequestRegisterClient), the waiting queues, the one
 * deadline timer, dispatch, answer matching, settling and the re-queue after a failover. It knows
 * nothing of failover itself: the connection tells it where requests go now (`route`) and when to
 * look at its queues again (`flush`, `requeueFrom`).
 *
 * Bounds: at most `maxInFlight` requests on the wire (more wait, in order, as undici's pipelining
 * limit does); user requests that wait are counted against the offline queue limit (the
 * connection checks `userQueued` before admitting one); every request has a deadline in one heap.
 */
import createDebug from 'debug';
import { RequestInterruptedError, TServerError } from '../errors.js';
import { isAnsweringEvent, messageByName, type MessageDescriptor } from '../protocol/catalogue.js';
import { type Clock, systemClock } from '../util/clock.js';
import { DeadlineQueue } from './deadline-queue.js';
import { hasDiagnosticsSubscribers, publishDiagnostics } from './diagnostics.js';
import { redactAttributes } from '../protocol/attributes.js';
import { PendingRequest, ReferenceIds, type RequestOptions, type RequestSink } from './requests.js';
import { WaitQueue } from './wait-queue.js';

const debug = createDebug('tlib:connection');
const debugData = createDebug('tlib:data');

export interface RequestFlags {
  internal: boolean;
  deliverAnswer: boolean;
  target: RequestSink | undefined;
  userSubscriptionId?: number;
}

export interface RequestRouterInit {
  /** Who publishes on diagnostics channels (the connection). */
  owner: object;
  requestTimeoutMs: number;
  maxInFlight: number;
  clock?: Clock;
  /**
   * The session a request bound to none goes to now, or undefined: it waits. `internal` requests
   * (the SDK's own) may go while user requests are held behind a ledger replay.
   */
  route(internal: boolean): RequestSink | undefined;
  /** A request was answered (not by EventError), just before its promise resolves. */
  answered?(p: PendingRequest, event: Record<string, unknown>): void;
}

export class RequestRouter {
  private readonly inFlight = new Map<number, PendingRequest>();
  /** ReferenceIDs in use outside the table (a session's RequestRegisterClient). */
  private readonly reserved = new Set<number>();
  readonly refs = new ReferenceIds({ has: (id) => this.inFlight.has(id) || this.reserved.has(id) });
  /** Requests that wait for a session, the end of a replay hold, or the CTI link. */
  private readonly waiting = new WaitQueue<PendingRequest>();
  /** Requests that could go but find maxInFlight requests on the wire. */
  private readonly waitingForSlot = new WaitQueue<PendingRequest>();
  private userWaiting = 0;
  /** True while requeueFrom() runs: slots it frees go to its own re-sends first, then the slot queue. */
  private requeueing = false;
  private readonly deadlines: DeadlineQueue<PendingRequest>;
  private readonly clock: Clock;

  constructor(private readonly init: RequestRouterInit) {
    this.clock = init.clock ?? systemClock;
    this.deadlines = new DeadlineQueue(this.clock, (p) => this.fail(p, p.timeoutError()));
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get queuedCount(): number {
    return this.waiting.size + this.waitingForSlot.size;
  }

  /** User requests waiting (any reason): what offlineQueue.limit bounds. */
  get userQueued(): number {
    return this.userWaiting;
  }

  /** Requests with a live deadline, and whether the one timer is armed (tests check the bound). */
  get timers(): { deadlines: number; armed: boolean } {
    return { deadlines: this.deadlines.size, armed: this.deadlines.armed };
  }

  /** Whether a user request named `name` would wait rather than go now. */
  wouldWait(name: string): boolean {
    const session = this.init.route(false);
    if (!session?.isOpen) return true;
    if (name === 'RequestRegisterAddress' && !session.linkUp) return true;
    return this.waitingForSlot.size > 0 || this.inFlight.size >= this.init.maxInFlight;
  }

  reserveReferenceId(): number {
    const ref = this.refs.take();
    this.reserved.add(ref);
    return ref;
  }

  releaseReferenceId(ref: number): void {
    this.reserved.delete(ref);
  }

  create(name: string, attributes: Record<string, unknown>, options: RequestOptions, flags: RequestFlags): PendingRequest {
    const p = new PendingRequest({
      descriptor: messageByName(name) as MessageDescriptor,
      attributes,
      timeoutMs: options.timeoutMs ?? this.init.requestTimeoutMs,
      createdAt: this.clock.now(),
      signal: options.signal,
      ...flags,
      onAbort: (req, reason) => this.fail(req, reason ?? new Error('aborted')),
    });
    this.deadlines.add(p);
    return p;
  }

  /** Sends a request now if it can go, or queues it. */
  submit(p: PendingRequest): void {
    if (p.settled) return;
    const session = this.destination(p);
    if (session === undefined) this.park(p);
    else if (this.waitingForSlot.size > 0 || this.inFlight.size >= this.init.maxInFlight) this.enqueue(this.waitingForSlot, p);
    else this.send(p, session);
  }

  /** Tries every waiting request again (a session became active, a replay ended, the link came up). */
  flush(): void {
    if (this.waiting.size > 0) {
      for (const p of this.waiting.drain()) {
        if (!p.internal) this.userWaiting--;
        this.submit(p);
      }
    }
    this.pump();
  }

  /** The request an event with a ReferenceID answers on `session`, if any. */
  answerFor(session: RequestSink, name: string, attrs: Record<string, unknown>): PendingRequest | undefined {
    const ref = attrs.ReferenceID;
    if (typeof ref !== 'number') return undefined;
    const p = this.inFlight.get(ref);
    if (!p || p.session !== session) return undefined;
    return isAnsweringEvent(p.descriptor, name, attrs, p.attributes) ? p : undefined;
  }

  /** True when the event carries the ReferenceID of a request in flight on `session`. */
  isAwaited(session: RequestSink, attrs: Record<string, unknown>): boolean {
    const ref = attrs.ReferenceID;
    return typeof ref === 'number' && this.inFlight.get(ref)?.session === session;
  }

  /** Settles `p` with its answering event (EventError rejects it with TServerError). */
  settle(p: PendingRequest, event: Record<string, unknown>): void {
    if (event.Event === 'EventError') {
      // A registration that raced a link drop goes back to wait for the link.
      if (p.waitsForLink && event.ErrorCode === 53 && !p.settled) {
        this.leaveFlight(p);
        p.unsent();
        this.enqueue(this.waiting, p);
        this.pump();
        return;
      }
      this.fail(p, new TServerError(event as { ErrorCode: number; ErrorMessage?: string }, p.info()));
      return;
    }
    if (p.settled) return;
    const freed = this.leaveFlight(p);
    this.deadlines.remove(p);
    this.init.answered?.(p, event);
    if (hasDiagnosticsSubscribers('tlib:request:end')) {
      publishDiagnostics('tlib:request:end', {
        connection: this.init.owner,
        request: p.name,
        referenceId: p.referenceId,
        server: p.session?.name ?? '',
        event: String(event.Event),
        durationMs: this.clock.now() - p.createdAt,
        internal: p.internal,
      });
    }
    p.resolve(event);
    if (freed) this.pump();
  }

  /** Rejects `p` wherever it stands (in flight or waiting). */
  fail(p: PendingRequest, err: unknown): void {
    if (p.settled) return;
    let freed = this.leaveFlight(p);
    this.dequeue(p);
    this.deadlines.remove(p);
    if (!freed && this.waitingForSlot.size > 0 && this.inFlight.size < this.init.maxInFlight) freed = true; // an expired head left the slot queue
    if (hasDiagnosticsSubscribers('tlib:request:error')) {
      publishDiagnostics('tlib:request:error', {
        connection: this.init.owner,
        request: p.name,
        error: err as Error,
        durationMs: this.clock.now() - p.createdAt,
        internal: p.internal,
      });
    }
    p.reject(err);
    if (freed && !this.requeueing) this.pump();
  }

  /**
   * The requests of a lost or demoted session: idempotent ones in flight go again (elsewhere),
   * the others and those bound to that session are rejected with RequestInterruptedError.
   */
  requeueFrom(session: RequestSink, why: string): void {
    const again: PendingRequest[] = [];
    this.requeueing = true;
    try {
      this.takeBack(session, why, again);
    } finally {
      this.requeueing = false;
    }
    // The slots they held are free again: they go first, before the slot queue is pumped.
    for (const p of again) {
      const target = this.destination(p);
      if (target === undefined) this.park(p);
      else if (this.inFlight.size < this.init.maxInFlight) this.send(p, target);
      else this.enqueue(this.waitingForSlot, p);
    }
    this.pump();
  }

  /** Takes `session`'s requests out: idempotent ones in flight into `again`, the others failed. */
  private takeBack(session: RequestSink, why: string, again: PendingRequest[]): void {
    for (const [ref, p] of this.inFlight) {
      if (p.session !== session) continue;
      this.inFlight.delete(ref);
      p.unsent();
      // A request bound to that session (a replay) cannot go elsewhere.
      if (p.idempotent && p.target !== session) again.push(p);
      else this.fail(p, new RequestInterruptedError(p.info(), why));
    }
    for (const queue of [this.waiting, this.waitingForSlot]) {
      for (const p of queue.toArray()) if (p.target === session) this.fail(p, new RequestInterruptedError(p.info(), why));
    }
  }

  /** Rejects everything (close): in flight, waiting, with `err`; the timer stops. */
  rejectAll(err: unknown): void {
    const all = [...this.inFlight.values(), ...this.waiting.drain(), ...this.waitingForSlot.drain()];
    this.inFlight.clear();
    this.userWaiting = 0;
    for (const p of all) this.fail(p, err);
    this.deadlines.clear();
  }

  private send(p: PendingRequest, session: RequestSink): void {
    const ref = this.refs.take();
    p.sent(ref, session);
    this.inFlight.set(ref, p);
    if (debugData.enabled) debugData('%s → %s %o', session.name, p.name, redactAttributes(p.attributes));
    else debug('%s → %s ref %d', session.name, p.name, ref);
    if (hasDiagnosticsSubscribers('tlib:request:start')) {
      publishDiagnostics('tlib:request:start', {
        connection: this.init.owner,
        request: p.name,
        referenceId: ref,
        server: session.name,
        internal: p.internal,
      });
    }
    try {
      session.send(p.descriptor.type, { ReferenceID: ref, ...p.attributes });
    } catch (err) {
      this.fail(p, err);
    }
  }

  /** Fills free in-flight slots from the slot queue, oldest first. */
  private pump(): void {
    while (this.waitingForSlot.size > 0 && this.inFlight.size < this.init.maxInFlight) {
      const p = this.waitingForSlot.first()!;
      // Past its deadline: never sent late. Its expiry batch (soon: it is due) fails it and pumps
      // again; failing it here would put every expired waiter in one long callback.
      if (p.deadline <= this.clock.now()) return;
      this.dequeue(p);
      const session = this.destination(p);
      if (session === undefined) this.park(p);
      else this.send(p, session);
    }
  }

  /** The session `p` can go to now, or undefined. */
  private destination(p: PendingRequest): RequestSink | undefined {
    const session = p.target ?? this.init.route(p.internal);
    if (session === undefined || !session.isOpen || (p.waitsForLink && !session.linkUp)) return undefined;
    return session;
  }

  /** `p` cannot go now: it waits, unless the session it is bound to is gone. */
  private park(p: PendingRequest): void {
    if (p.target && !p.target.isOpen) this.fail(p, new RequestInterruptedError(p.info(), 'its server session closed'));
    else this.enqueue(this.waiting, p);
  }

  /** Takes `p` out of the in-flight table; true when it held a slot. */
  private leaveFlight(p: PendingRequest): boolean {
    const ref = p.referenceId;
    if (ref === 0 || this.inFlight.get(ref) !== p) return false;
    this.inFlight.delete(ref);
    return true;
  }

  private enqueue(queue: WaitQueue<PendingRequest>, p: PendingRequest): void {
    queue.push(p);
    if (!p.internal) this.userWaiting++;
  }

  private dequeue(p: PendingRequest): void {
    if ((this.waiting.remove(p) || this.waitingForSlot.remove(p)) && !p.internal) this.userWaiting--;
  }
}
