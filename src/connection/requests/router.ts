/**
 * RequestRouter: owns every request between creation and settlement — the in-flight table keyed by
 * ReferenceID (and the ReferenceIDs reserved for RequestRegisterClient), the waiting queues, the one
 * deadline timer, dispatch, answer matching, settling and the re-queue after a failover. It knows
 * nothing of failover itself: the connection tells it where requests go now (`route`) and when to
 * look at its queues again (`flush`, `requeueFrom`).
 *
 * Bounds: requests travel in lanes (pending.ts `Lane`), each with its own in-flight window and its
 * own queue for a slot (as undici's pipelining limit, per lane), so no lane takes another's slots.
 * Waiting user requests count against the offline queue limit (the connection checks `userQueued`
 * before admitting one); every deadline is behind one timer (deadline-queue.ts).
 *
 * Not primary yet: in a failover the connection makes the standby active at once, but that server
 * refuses all but registrations with EventError 52 until it claims the primary role
 * (EventPrimaryChanged, or ServerRole 0). A 52 says the request was not carried out, so one that may
 * go again (PendingRequest `resendsAfterNotPrimary`: idempotent, or a routing point's or dialer's)
 * waits for the claim (`primaryConfirmed`) and goes again, within its own timeout and at most
 * MAX_NOT_PRIMARY_REFUSALS times; past either it fails with the last refusal, saying so. This is the
 * one place the SDK waits for a primary: routing points and dialers get only the final answer.
 */
import createDebug from 'debug';
import { RequestInterruptedError, TServerError } from '../../errors.js';
import { redactAttributes } from '../../protocol/attributes.js';
import { isAnsweringEvent, type MessageDescriptor, messageByName } from '../../protocol/catalogue.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { DeadlineQueue } from './deadline-queue.js';
import { hasDiagnosticsSubscribers, publishDiagnostics } from '../diagnostics.js';
import { type Lane, PendingRequest, ReferenceIds, type RequestOptions, type RequestSink } from './pending.js';
import { WaitQueue } from './wait-queue.js';

const debug = createDebug('tlib:connection');
const debugData = createDebug('tlib:data');

/** EventError 52: the server that answered is not the primary (the backup of a pair); the request was not carried out. */
export const NOT_PRIMARY = 52;
/** "Not primary" refusals one request may get (each followed by a wait for the claim) before it fails with the last. */
export const MAX_NOT_PRIMARY_REFUSALS = 8;

export interface RequestFlags {
  lane: Lane;
  deliverAnswer: boolean;
  target: RequestSink | undefined;
  userSubscriptionId?: number;
}

export interface RequestRouterInit {
  /** Who publishes on diagnostics channels (the connection). */
  owner: object;
  requestTimeoutMs: number;
  /** In-flight window of each lane (requests on the wire at once). */
  windows: Readonly<Record<Lane, number>>;
  clock?: Clock;
  /**
   * The session a request bound to none goes to now, or undefined: it waits. `internal` requests
   * (the SDK's own) may go while user requests are held behind a ledger replay.
   */
  route(internal: boolean): RequestSink | undefined;
  /** A request was answered (not by EventError), just before its promise resolves. */
  answered?(p: PendingRequest, event: Record<string, unknown>): void;
  /**
   * True while the active session was promoted without having claimed the primary role yet (a
   * standby switched to at once when the active was lost): its EventError 52 "not primary" means
   * "not yet", not "never".
   */
  awaitingPrimary?(): boolean;
}

/** Lane windows from the options: `maxInFlight` for user, routing and control traffic each, `maxResyncWindow` for the resync. */
export function laneWindows(maxInFlight: number, maxResyncWindow: number): Record<Lane, number> {
  return { user: maxInFlight, routing: maxInFlight, resync: maxResyncWindow, control: maxInFlight };
}

/** One lane's budget: requests on the wire, requests waiting for one of its slots, and all its waiting ones. */
class LaneState {
  inFlight = 0;
  /** Waiting for any reason (a session, the replay hold, the link, a slot). */
  queued = 0;
  /** Could go, but the window is full: sent in order as slots free. */
  readonly forSlot = new WaitQueue<PendingRequest>();
  constructor(readonly window: number) {}
  get full(): boolean {
    return this.forSlot.size > 0 || this.inFlight >= this.window;
  }
}

export class RequestRouter {
  private readonly inFlight = new Map<number, PendingRequest>();
  /** ReferenceIDs in use outside the table (a session's RequestRegisterClient). */
  private readonly reserved = new Set<number>();
  readonly refs = new ReferenceIds({ has: (id) => this.inFlight.has(id) || this.reserved.has(id) });
  /** Requests that wait for a session, the end of a replay hold, or the CTI link (every lane, in order). */
  private readonly waiting = new WaitQueue<PendingRequest>();
  /** Requests the active refused as not primary yet (EventError 52): they go again once it says it is (`primaryConfirmed`). */
  private readonly waitingForPrimary = new WaitQueue<PendingRequest>();
  private readonly lanes: Record<Lane, LaneState>;
  /** True while requeueFrom() runs: slots it frees go to its own re-sends first, then the slot queues. */
  private requeueing = false;
  private readonly deadlines: DeadlineQueue<PendingRequest>;
  private readonly clock: Clock;

  constructor(private readonly init: RequestRouterInit) {
    this.clock = init.clock ?? systemClock;
    this.deadlines = new DeadlineQueue(this.clock, (p) => this.fail(p, this.expired(p)));
    const w = init.windows;
    this.lanes = {
      user: new LaneState(w.user),
      routing: new LaneState(w.routing),
      resync: new LaneState(w.resync),
      control: new LaneState(w.control),
    };
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get queuedCount(): number {
    let n = 0;
    for (const lane of Object.values(this.lanes)) n += lane.queued;
    return n;
  }

  /** User requests waiting (any reason): what offlineQueue.limit bounds. */
  get userQueued(): number {
    return this.lanes.user.queued;
  }

  /** A lane's requests in flight and waiting. */
  load(lane: Lane): { inFlight: number; queued: number } {
    const l = this.lanes[lane];
    return { inFlight: l.inFlight, queued: l.queued };
  }

  /** A lane's requests in flight plus waiting (the resync keeps it within its window; no object made per call). */
  occupancy(lane: Lane): number {
    return this.lanes[lane].inFlight + this.lanes[lane].queued;
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
    return this.lanes.user.full;
  }

  reserveReferenceId(): number {
    const ref = this.refs.take();
    this.reserved.add(ref);
    return ref;
  }

  releaseReferenceId(ref: number): void {
    this.reserved.delete(ref);
  }

  /** One function for every request's abort signal (not a closure per request). */
  private readonly abortRequest = (req: PendingRequest, reason: unknown): void => this.fail(req, reason ?? new Error('aborted'));

  create(name: string, attributes: Record<string, unknown>, options: RequestOptions, flags: RequestFlags): PendingRequest {
    const p = new PendingRequest({
      descriptor: messageByName(name) as MessageDescriptor,
      attributes,
      timeoutMs: options.timeoutMs ?? this.init.requestTimeoutMs,
      createdAt: this.clock.now(),
      signal: options.signal,
      lane: flags.lane,
      deliverAnswer: flags.deliverAnswer,
      target: flags.target,
      userSubscriptionId: flags.userSubscriptionId,
      onAbort: this.abortRequest,
    });
    this.deadlines.add(p);
    return p;
  }

  /** Sends a request now if it can go, or queues it. */
  submit(p: PendingRequest): void {
    if (p.settled) return;
    const session = this.destination(p);
    const lane = this.lanes[p.lane];
    if (session === undefined) this.park(p);
    else if (lane.full) this.enqueue(lane.forSlot, p);
    else this.send(p, session);
  }

  /**
   * Tries every waiting request again (a session became active, a replay ended, the link came up);
   * those refused as not primary yet too, when the active now is primary (one adopted after both
   * servers were lost claims no role change: no `primaryConfirmed` comes).
   */
  flush(): void {
    this.resubmit(this.waiting);
    if (!this.init.awaitingPrimary?.()) this.resubmit(this.waitingForPrimary);
    this.pumpAll();
  }

  /** The active has claimed the primary role: what it refused as not primary yet goes again. */
  primaryConfirmed(): void {
    this.resubmit(this.waitingForPrimary);
  }

  private resubmit(queue: WaitQueue<PendingRequest>): void {
    if (queue.size === 0) return;
    for (const p of queue.drain()) {
      this.lanes[p.lane].queued--;
      this.submit(p);
    }
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
        this.pump(this.lanes[p.lane]);
        return;
      }
      // Refused by an active that has not claimed the primary role yet: it goes again once it has.
      if (
        event.ErrorCode === NOT_PRIMARY &&
        p.resendsAfterNotPrimary &&
        p.target === undefined &&
        !p.settled &&
        this.init.awaitingPrimary?.()
      ) {
        const refusals = p.refusedNotPrimary(event);
        if (refusals > MAX_NOT_PRIMARY_REFUSALS) {
          this.fail(p, p.notPrimaryError(`at most ${MAX_NOT_PRIMARY_REFUSALS} are waited out`));
          return;
        }
        this.leaveFlight(p);
        p.unsent();
        this.enqueue(this.waitingForPrimary, p);
        this.pump(this.lanes[p.lane]);
        return;
      }
      this.fail(p, new TServerError(event as { ErrorCode: number; ErrorMessage?: string }, p.info()));
      return;
    }
    if (p.settled) return;
    const freed = this.leaveFlight(p);
    this.deadlines.remove(p, true);
    if (!p.abandoned) this.init.answered?.(p, event);
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
    if (freed) this.pump(this.lanes[p.lane]);
  }

  /** Why `p` failed at its deadline: still waiting for a primary, the refusal that made it wait; else no answer came. */
  private expired(p: PendingRequest): Error {
    if (!this.waitingForPrimary.has(p)) return p.timeoutError();
    return p.notPrimaryError(`no server claimed the primary role within its ${p.timeoutMs} ms timeout`);
  }

  /** Rejects `p` wherever it stands (in flight or waiting). */
  fail(p: PendingRequest, err: unknown): void {
    if (p.settled) return;
    const lane = this.lanes[p.lane];
    let freed = this.leaveFlight(p);
    this.dequeue(p);
    this.deadlines.remove(p);
    if (!freed && lane.forSlot.size > 0 && lane.inFlight < lane.window) freed = true; // an expired head left the slot queue
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
    if (freed && !this.requeueing) this.pump(lane);
  }

  /**
   * A lane's sender gave its requests up (a superseded resync): those waiting are rejected
   * (RequestInterruptedError) and never sent; those on the wire keep their slot until answered or timed out, and
   * their answers are ignored (never delivered, never re-sent). The lane never holds more than
   * what its window allows, however often this happens.
   */
  abandonLane(lane: Lane, why: string): void {
    for (const queue of [this.waiting, this.waitingForPrimary, this.lanes[lane].forSlot]) {
      for (const p of queue.toArray()) if (p.lane === lane) this.fail(p, new RequestInterruptedError(p.info(), why));
    }
    for (const p of this.inFlight.values()) if (p.lane === lane) p.abandon();
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
    // The slots they held are free again: they go first, before the slot queues are pumped.
    for (const p of again) {
      const target = this.destination(p);
      const lane = this.lanes[p.lane];
      if (target === undefined) this.park(p);
      else if (lane.inFlight < lane.window) this.send(p, target);
      else this.enqueue(lane.forSlot, p);
    }
    this.pumpAll();
  }

  /** Takes `session`'s requests out: idempotent ones in flight into `again`, the others failed. */
  private takeBack(session: RequestSink, why: string, again: PendingRequest[]): void {
    for (const p of [...this.inFlight.values()]) {
      if (p.session !== session) continue;
      this.leaveFlight(p);
      p.unsent();
      // A request bound to that session (a replay) cannot go elsewhere; an abandoned one is not wanted.
      if (p.idempotent && p.target !== session && !p.abandoned) again.push(p);
      else this.fail(p, new RequestInterruptedError(p.info(), why));
    }
    for (const queue of [this.waiting, ...Object.values(this.lanes).map((l) => l.forSlot)]) {
      for (const p of queue.toArray()) if (p.target === session) this.fail(p, new RequestInterruptedError(p.info(), why));
    }
  }

  /** Rejects everything (close): in flight, waiting, with `err`; the timer stops. */
  rejectAll(err: unknown): void {
    const all: PendingRequest[] = [];
    for (const p of this.inFlight.values()) all.push(p);
    for (const p of this.waiting.drain()) all.push(p);
    for (const p of this.waitingForPrimary.drain()) all.push(p);
    for (const lane of Object.values(this.lanes)) {
      for (const p of lane.forSlot.drain()) all.push(p);
      lane.inFlight = 0;
      lane.queued = 0;
    }
    this.inFlight.clear();
    for (const p of all) this.fail(p, err);
    this.deadlines.clear();
  }

  private send(p: PendingRequest, session: RequestSink): void {
    const ref = this.refs.take();
    p.sent(ref, session);
    this.inFlight.set(ref, p);
    this.lanes[p.lane].inFlight++;
    if (debugData.enabled) debugData('%s → %s %o', session.name, p.name, redactAttributes(p.attributes));
    else if (debug.enabled) debug('%s → %s ref %d', session.name, p.name, ref);
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

  private pumpAll(): void {
    for (const lane of Object.values(this.lanes)) this.pump(lane);
  }

  /** Fills a lane's free in-flight slots from its slot queue, oldest first. */
  private pump(lane: LaneState): void {
    while (lane.forSlot.size > 0 && lane.inFlight < lane.window) {
      const p = lane.forSlot.first()!;
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
    this.lanes[p.lane].inFlight--;
    return true;
  }

  private enqueue(queue: WaitQueue<PendingRequest>, p: PendingRequest): void {
    if (queue.has(p)) return;
    queue.push(p);
    this.lanes[p.lane].queued++;
  }

  private dequeue(p: PendingRequest): void {
    const lane = this.lanes[p.lane];
    if (this.waiting.remove(p) || this.waitingForPrimary.remove(p) || lane.forSlot.remove(p)) lane.queued--;
  }
}
