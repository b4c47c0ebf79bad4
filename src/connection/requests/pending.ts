/**
 * The life of one request: created → validated → queued (no server, link down for a registration,
 * or maxInFlight reached) → sent → settled by its answer, EventError, timeout, abort, interruption
 * or close. Every path settles exactly once. The RequestRouter drives it: its fields are private
 * and change only through the methods below; its deadline sits in the router's one timer queue.
 */
import { type RequestInfo, RequestTimeoutError, TServerError } from '../../errors.js';
import type { MessageDescriptor } from '../../protocol/catalogue.js';
import type { Deadlined } from './deadline-queue.js';
import type { Waiting } from './wait-queue.js';
import { redactAttributes } from '../../protocol/attributes.js';

/** Per-request options of every helper and of `request()`. */
export interface RequestOptions {
  /** Rejects the request with the signal's reason when aborted. */
  signal?: AbortSignal;
  /** Overrides the connection's requestTimeoutMs for this request. */
  timeoutMs?: number;
}

/**
 * The router's budgets. Each lane has its own in-flight window and its own queue for a slot, so no
 * lane's traffic can hold another's back:
 *   - `user`: the application's requests (`maxInFlight`; waiting ones count against offlineQueue.limit);
 *   - `routing`: a routing point's RequestRouteCall and its queries (`maxInFlight` of its own; never
 *     refused by the offline queue — the routing point bounds its own traffic);
 *   - `resync`: the resync's queries (`maxResyncWindow`; the resync keeps its own window within it);
 *   - `control`: the SDK's own ledger replay and standby mirroring, bound to their session.
 * `resync` and `control` are the SDK's own ("internal"): they may go while user and routing
 * requests wait behind a ledger replay, and never count against the offline queue. A request the
 * routing lane carries (a routing point's or a dialer's) goes again after an EventError 52 "not
 * primary" refusal, whether idempotent or not: its sender counts on it (router.ts).
 */
export type Lane = 'user' | 'routing' | 'resync' | 'control';

/**
 * Request options for the SDK's own modules (not public API). `lane: 'routing'` puts a request on
 * the routing lane: RoutePoint and Dialer pass it through `request(name, args, { lane: 'routing' })`,
 * which is the connection's `request()` — so a burst of routes or dials is never refused with
 * OfflineQueueFullError and never takes the user's in-flight slots.
 */
export interface InternalRequestOptions extends RequestOptions {
  lane?: 'routing';
}

/** Where a request can be sent: one server session (ServerSession fits; tests pass fakes). */
export interface RequestSink {
  readonly name: string;
  readonly isOpen: boolean;
  readonly linkUp: boolean;
  send(type: number, attributes: Record<string, unknown>): void;
}

export interface PendingRequestInit {
  descriptor: MessageDescriptor;
  attributes: Record<string, unknown>;
  timeoutMs: number;
  /** Clock reading at creation: the timeout covers queued time too. */
  createdAt: number;
  signal: AbortSignal | undefined;
  /** The router budget it uses (pending.ts `Lane`). */
  lane: Lane;
  /** Whether the answering event is delivered to users (not for replay on a standby session). */
  deliverAnswer: boolean;
  /** Session the request must go to (standby replay); otherwise the active session. */
  target: RequestSink | undefined;
  /** For RequestTransactionMonitoring: the SubscriptionID as the user gave it (before translation). */
  userSubscriptionId?: number;
  onAbort: (p: PendingRequest, reason: unknown) => void;
}

export class PendingRequest implements Deadlined, Waiting<PendingRequest> {
  readonly descriptor: MessageDescriptor;
  readonly attributes: Record<string, unknown>;
  readonly lane: Lane;

  readonly target: RequestSink | undefined;
  readonly timeoutMs: number;
  readonly createdAt: number;
  readonly deadline: number;
  readonly userSubscriptionId: number | undefined;
  readonly promise: Promise<Record<string, unknown>>;
  /** Owned by the router's DeadlineQueue (heap index, −1 when not in it; or its in-order list). */
  heapIndex = -1;
  deadlineListed = false;
  deadlinePrev: PendingRequest | undefined;
  deadlineNext: PendingRequest | undefined;
  /** Owned by the router's WaitQueue that holds it, if any. */
  waitPrev: PendingRequest | undefined;
  waitNext: PendingRequest | undefined;
  waitQueue: object | undefined;
  private ref = 0;
  private sentTo: RequestSink | undefined;
  /** The last EventError 52 "not primary" it got, and how many it got. */
  private notPrimary: { event: Record<string, unknown>; refusals: number } | undefined;
  private done = false;
  private dropped = false;
  private readonly deliver: boolean;
  private resolveFn!: (e: Record<string, unknown>) => void;
  private rejectFn!: (err: unknown) => void;
  private readonly signal: AbortSignal | undefined;
  private readonly abortListener: (() => void) | undefined;

  constructor(init: PendingRequestInit) {
    this.descriptor = init.descriptor;
    this.attributes = init.attributes;
    this.lane = init.lane;
    this.deliver = init.deliverAnswer;
    this.target = init.target;
    this.timeoutMs = init.timeoutMs;
    this.createdAt = init.createdAt;
    this.deadline = init.createdAt + init.timeoutMs;
    this.userSubscriptionId = init.userSubscriptionId;
    this.signal = init.signal;
    this.promise = new Promise((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    if (this.signal) {
      this.abortListener = () => init.onAbort(this, this.signal!.reason);
      this.signal.addEventListener('abort', this.abortListener, { once: true });
    }
  }

  get name(): string {
    return this.descriptor.name;
  }

  /** Sent by the SDK itself (replay, resync): may go during a ledger replay, never counts against the offline queue. */
  get internal(): boolean {
    return this.lane === 'resync' || this.lane === 'control';
  }

  /** Its sender no longer wants it (a superseded resync): its answer settles it silently, and it is never re-sent. */
  get abandoned(): boolean {
    return this.dropped;
  }

  abandon(): void {
    this.dropped = true;
  }

  /** Whether the answering event is delivered to users (never once abandoned). */
  get deliverAnswer(): boolean {
    return this.deliver && !this.dropped;
  }

  get idempotent(): boolean {
    return this.descriptor.idempotent;
  }

  /**
   * May go again after EventError 52 "not primary" (which says it was not carried out): an
   * idempotent request, or the SDK's own routing traffic (a route, a predictive call), whose sender
   * wants it carried out once. The user's other requests get the refusal (the application decides).
   */
  get resendsAfterNotPrimary(): boolean {
    return this.descriptor.idempotent || this.lane === 'routing';
  }

  /** Counts an EventError 52 "not primary" answer; returns how many it has had. */
  refusedNotPrimary(event: Record<string, unknown>): number {
    this.notPrimary = { event, refusals: (this.notPrimary?.refusals ?? 0) + 1 };
    return this.notPrimary.refusals;
  }

  /** The last "not primary" refusal as a TServerError, saying why the request stopped waiting for a primary. */
  notPrimaryError(why: string): TServerError {
    const refusal = this.notPrimary ?? { event: { ErrorCode: 52 }, refusals: 0 };
    const times = refusal.refusals === 1 ? 'once' : `${refusal.refusals} times`;
    return new TServerError(refusal.event as { ErrorCode: number }, this.info(), `refused ${times} by a server not primary yet: ${why}`);
  }

  /** ReferenceID of the current attempt (0 while not sent). */
  get referenceId(): number {
    return this.ref;
  }

  /** Session the current attempt went to. */
  get session(): RequestSink | undefined {
    return this.sentTo;
  }

  get settled(): boolean {
    return this.done;
  }

  /** Registrations wait for the CTI link (a T-Server refuses them with EventError 53 while it is down). */
  get waitsForLink(): boolean {
    return this.descriptor.name === 'RequestRegisterAddress';
  }

  info(): RequestInfo {
    // Errors carry this: a Password must never be quoted in one.
    return { name: this.descriptor.name, referenceId: this.ref, attributes: redactAttributes(this.attributes) };
  }

  timeoutError(): RequestTimeoutError {
    return new RequestTimeoutError(this.info(), this.timeoutMs);
  }

  /** An attempt goes out with `referenceId` on `session`. */
  sent(referenceId: number, session: RequestSink): void {
    this.ref = referenceId;
    this.sentTo = session;
  }

  /** The attempt is over without an answer (requeued): the next one gets a fresh ReferenceID. */
  unsent(): void {
    this.ref = 0;
    this.sentTo = undefined;
  }

  resolve(event: Record<string, unknown>): void {
    if (this.done) return;
    this.finish();
    this.resolveFn(event);
  }

  reject(err: unknown): void {
    if (this.done) return;
    this.finish();
    this.rejectFn(err);
  }

  private finish(): void {
    this.done = true;
    if (this.abortListener) this.signal?.removeEventListener('abort', this.abortListener);
  }
}

const MAX_REFERENCE_ID = 0x7fffffff;

/** Positive int32 ReferenceIDs, wrapping past 2^31−1 and never reusing one still in flight. */
export class ReferenceIds {
  private next = 1;
  constructor(private readonly inFlight: { has(id: number): boolean }) {}

  /** For tests: where the next search starts. */
  seed(value: number): void {
    this.next = value;
  }

  take(): number {
    for (let tries = 0; tries < MAX_REFERENCE_ID; tries++) {
      const id = this.next;
      this.next = id >= MAX_REFERENCE_ID ? 1 : id + 1;
      if (!this.inFlight.has(id)) return id;
    }
    throw new Error('no free ReferenceID'); // 2^31 requests in flight: unreachable in practice
  }
}
