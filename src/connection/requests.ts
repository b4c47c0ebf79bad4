/**
 * The life of one request: created → validated → queued (no server, or link down for a
 * registration) → sent → settled by its answer, EventError, timeout, abort, interruption or close.
 * Every path settles exactly once and clears its timer and abort listener.
 */
import { type RequestInfo, RequestTimeoutError } from '../errors.js';
import type { MessageDescriptor } from '../protocol/catalogue.js';
import type { ServerSession } from './session.js';

export interface RequestOptions {
  /** Rejects the request with the signal's reason when aborted. */
  signal?: AbortSignal;
  /** Overrides the connection's requestTimeoutMs for this request. */
  timeoutMs?: number;
}

export interface PendingRequestInit {
  descriptor: MessageDescriptor;
  attributes: Record<string, unknown>;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Sent by the SDK itself (replay, resync): not counted against the offline queue limit. */
  internal: boolean;
  /** Whether the answering event is delivered to users (not for replay on a standby session). */
  deliverAnswer: boolean;
  /** Session the request must go to (standby replay); otherwise the active session. */
  target: ServerSession | undefined;
  onTimeout: (p: PendingRequest) => void;
  onAbort: (p: PendingRequest, reason: unknown) => void;
}

export class PendingRequest {
  readonly descriptor: MessageDescriptor;
  readonly attributes: Record<string, unknown>;
  readonly internal: boolean;
  readonly deliverAnswer: boolean;
  readonly target: ServerSession | undefined;
  readonly timeoutMs: number;
  readonly promise: Promise<Record<string, unknown>>;
  /** ReferenceID of the current attempt (0 while not sent). */
  referenceId = 0;
  /** Session the current attempt went to. */
  session: ServerSession | undefined;
  /** For RequestTransactionMonitoring: the SubscriptionID as the user gave it (before translation). */
  userSubscriptionId: number | undefined;
  settled = false;
  private resolveFn!: (e: Record<string, unknown>) => void;
  private rejectFn!: (err: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly abortListener: (() => void) | undefined;

  constructor(init: PendingRequestInit) {
    this.descriptor = init.descriptor;
    this.attributes = init.attributes;
    this.internal = init.internal;
    this.deliverAnswer = init.deliverAnswer;
    this.target = init.target;
    this.timeoutMs = init.timeoutMs;
    this.signal = init.signal;
    this.promise = new Promise((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // The timeout covers queued time too: nothing waits forever.
    this.timer = setTimeout(() => init.onTimeout(this), init.timeoutMs);
    if (this.signal) {
      this.abortListener = () => init.onAbort(this, this.signal!.reason);
      this.signal.addEventListener('abort', this.abortListener, { once: true });
    }
  }

  get name(): string {
    return this.descriptor.name;
  }

  get idempotent(): boolean {
    return this.descriptor.idempotent;
  }

  /** Registrations wait for the CTI link (a T-Server refuses them with EventError 53 while it is down). */
  get waitsForLink(): boolean {
    return this.descriptor.name === 'RequestRegisterAddress';
  }

  info(): RequestInfo {
    return { name: this.descriptor.name, referenceId: this.referenceId, attributes: this.attributes };
  }

  timeoutError(): RequestTimeoutError {
    return new RequestTimeoutError(this.info(), this.timeoutMs);
  }

  resolve(event: Record<string, unknown>): void {
    if (this.settled) return;
    this.finish();
    this.resolveFn(event);
  }

  reject(err: unknown): void {
    if (this.settled) return;
    this.finish();
    this.rejectFn(err);
  }

  private finish(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
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
