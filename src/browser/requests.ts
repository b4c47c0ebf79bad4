/**
 * Requests of a GatewayConnection between creation and settlement. Each is checked against the
 * catalogue first (InvalidArgumentError, nothing sent), then waits while no session is open or the
 * gateway's `maxInFlight` are on the wire (at most `queueLimit` wait: OfflineQueueFullError past
 * it), then is sent with an id and settled once: by its answer, its error (the gateway's, rebuilt
 * with its class and code), its deadline (RequestTimeoutError, queued time included), its abort
 * signal, the socket dropping while it was on the wire (RequestInterruptedError: outcome unknown)
 * or close() (ConnectionClosedError).
 */
import { InvalidArgumentError, OfflineQueueFullError, RequestInterruptedError, RequestTimeoutError, type TlibError } from '../errors.js';
import { errorFromWire } from '../gateway/errors.js';
import { toJson, type WireError } from '../gateway/protocol.js';
import { redactAttributes } from '../protocol/attributes.js';
import { validateRequestArgs } from '../protocol/validate.js';
import type { RequestName } from '../protocol/messages.js';

/** Per-request options in the browser. */
export interface BrowserRequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

interface Pending {
  readonly id: number;
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly timeoutMs: number | undefined;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  sent: boolean;
  /** The deadline passed while the request was on the wire: the gateway's verdict gets a grace. */
  graced: boolean;
}

export interface RequestTableHost {
  readonly requestTimeoutMs: number;
  readonly queueLimit: number;
  /** Sends a message if a session is open; false when it cannot be sent now. */
  send(text: string): boolean;
  /** Requests the gateway takes at once from this session (its `maxInFlight`). */
  maxInFlight(): number;
}

/** Time past the request's own deadline the gateway's answer (often its timeout error) may take to arrive. */
const ANSWER_GRACE_MS = 2_000;

export class RequestTable {
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Pending[] = [];
  private onWire = 0;
  private nextId = 1;

  constructor(private readonly host: RequestTableHost) {}

  get inFlight(): number {
    return this.onWire;
  }

  get queued(): number {
    return this.waiting.length;
  }

  create(name: RequestName, args: Record<string, unknown> = {}, options: BrowserRequestOptions = {}): Promise<unknown> {
    const issues = validateRequestArgs(name, args);
    if (issues.length > 0) return Promise.reject(new InvalidArgumentError(issues.map((i) => i.detail).join('; '), issues));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (this.waiting.length >= this.host.queueLimit) return Promise.reject(new OfflineQueueFullError(this.host.queueLimit, name));
    return new Promise((resolve, reject) => {
      const p: Pending = {
        id: this.nextId++,
        name,
        args,
        timeoutMs: options.timeoutMs,
        resolve,
        reject,
        timer: undefined,
        signal: options.signal,
        onAbort: undefined,
        sent: false,
        graced: false,
      };
      const ms = options.timeoutMs ?? this.host.requestTimeoutMs;
      const expire = () => {
        if (p.sent && !p.graced) {
          p.graced = true;
          p.timer = setTimeout(expire, ANSWER_GRACE_MS);
          return;
        }
        this.finish(p, new RequestTimeoutError(this.info(p), ms));
      };
      p.timer = setTimeout(expire, ms);
      if (p.signal) {
        p.onAbort = () => {
          if (p.sent) this.host.send(toJson({ type: 'cancel', id: p.id }));
          this.finish(p, p.signal!.reason);
        };
        p.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(p.id, p);
      this.waiting.push(p);
      this.flush();
    });
  }

  /** Sends what waits, as far as the gateway's in-flight limit allows. */
  flush(): void {
    while (this.waiting.length > 0 && this.onWire < this.host.maxInFlight()) {
      const p = this.waiting[0];
      const msg = { type: 'request', id: p.id, name: p.name, args: p.args, ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}) };
      if (!this.host.send(toJson(msg))) return;
      this.waiting.shift();
      p.sent = true;
      this.onWire++;
    }
  }

  answered(id: number, answer: unknown): void {
    const p = this.pending.get(id);
    if (p) this.finish(p, undefined, answer);
  }

  failed(id: number, error: WireError): void {
    const p = this.pending.get(id);
    if (p) this.finish(p, errorFromWire(error));
  }

  /** The socket dropped: requests on the wire have an unknown outcome; those waiting wait on. */
  interrupt(reason: string): void {
    for (const p of [...this.pending.values()]) if (p.sent) this.finish(p, new RequestInterruptedError(this.info(p), reason));
  }

  rejectAll(err: TlibError): void {
    for (const p of [...this.pending.values()]) this.finish(p, err);
  }

  private info(p: Pending) {
    return { name: p.name, referenceId: p.id, attributes: redactAttributes(p.args) };
  }

  private finish(p: Pending, err: unknown, answer?: unknown): void {
    if (!this.pending.delete(p.id)) return;
    clearTimeout(p.timer);
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
    if (p.sent) this.onWire--;
    else {
      const i = this.waiting.indexOf(p);
      if (i >= 0) this.waiting.splice(i, 1);
    }
    if (err !== undefined) p.reject(err);
    else p.resolve(answer);
    this.flush();
  }
}
