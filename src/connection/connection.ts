import { ConnectionClosedError, InvalidArgumentError, InvalidStateError, NotConnectedError, OfflineQueueFullError } from '../errors.js';
import type { RequestName } from '../protocol/messages.js';
import type { AnswerOf, RequestArgs, TEvent } from '../protocol/types.js';
import { validateRequestArgs } from '../protocol/validate.js';
import { bindClock, clockOf, systemClock } from '../util/clock.js';
import { pushIterator } from '../util/push-iterator.js';
import { AddressPolicy } from './pair/address-policy.js';
import { FirstConnect, type OpenOptions } from './first-connect.js';
import { EventGate } from './events/gate.js';
import { inputMaskOf, RequestHelpers } from './helpers.js';
import type { CallView, DNView } from '../model/index.js';
import { Dialer, type DialerHost, type DialerOptions } from '../dialer/index.js';
import { Ledger } from './ledger/ledger.js';
import { DEFAULTS, MAX_TIMER_MS, isTimerDelay, resolveOptions, type ResolvedOptions, type TServerConnectionOptions } from './options.js';
import { PairDriver } from './pair/driver.js';
import type { ConnectionInternals } from './pair/seams.js';
import { LedgerReplay, normalizeArgs } from './ledger/replay.js';
import type { InternalRequestOptions, RequestOptions } from './requests/pending.js';
import { Resync } from './ledger/resync.js';
import { laneWindows, RequestRouter } from './requests/router.js';
import { StatusStream, type StatusEntry, type StatusIteratorOptions } from './events/status-stream.js';
import type { ConnectionState, EventsIteratorOptions } from './types.js';

export { inputMaskOf };
export type {
  ConnectionState,
  ConnectionStatus,
  EventsIteratorOptions,
  ProtocolWarning,
  ResyncSummary,
  TServerConnectionEvents,
} from './types.js';

/** A connection to a T-Server and its hot-standby backup: requests (typed helpers and `request()`), events (`on`, `events()`), the state model (`calls`, `dns`), routing points (`route()`), dialers (`dialer()`), through failovers. See the README. */
export class TServerConnection extends RequestHelpers {
  private readonly options: ResolvedOptions;
  /** What the servers must remember, and the state model of calls and agents (conn.calls, conn.dns). */
  private readonly ledger: Ledger;
  private readonly router: RequestRouter;
  /** The ReferenceID allocator (tests seed it to check wrapping). */
  private readonly refs: RequestRouter['refs'];
  private readonly gate: EventGate;
  private readonly replays: LedgerReplay;
  private readonly resync: Resync;
  /** Sessions, dialling and failover: the pair state machine and its driver (pair/machine.ts, pair/driver.ts). */
  private readonly pair: PairDriver;
  private readonly statusStream = new StatusStream();
  /** open() once, or open({ retry }) until a server answers (first-connect.ts). */
  private readonly firstConnect = new FirstConnect({
    reconnect: () => this.options.reconnect,
    openOnce: (signal) => this.pair.open(signal),
    servers: () => [this.options.primary.name, ...(this.pair.backupEndpoint ? [this.pair.backupEndpoint.name] : [])],
    clock: () => clockOf(this),
    progress: (p) => this.statusStream.push({ type: 'connecting', ...p }),
  });
  private iterators = new Set<() => void>();
  /** Someone listens for the state model's changes (kept as listeners come and go: the model asks per event). */
  private changesListened = false;
  /** DNs whose RequestRegisterAddress is on its way: a second one is refused like a registered DN's. */
  private readonly registering = new Set<string>();

  /**
   * `internals` are testing seams (`sessionFactory`, `clock`): not part of the public API, may change.
   */
  constructor(options: TServerConnectionOptions, internals: ConnectionInternals = {}) {
    super();
    const conn = this; // for the gate's getters
    const clock = internals.clock ?? systemClock;
    bindClock(this, clock); // a routing point served on this connection times out on the same clock
    this.options = resolveOptions(options);
    AddressPolicy.of(this.options); // learnedAddresses / allowedBackupHosts refused here if malformed
    this.ledger = new Ledger({
      maxCalls: this.options.maxCalls,
      maxUserDataBytesPerCall: this.options.maxUserDataBytesPerCall,
      maxUserDataBytes: this.options.maxUserDataBytes,
      // Changes (and the views they carry) are made only while someone listens for them.
      listening: () => this.changesListened,
      onWarning: (w) =>
        this.emitOne('protocolWarning', { code: w.code, server: this.pair?.active?.name ?? '', event: undefined, detail: w.detail }),
    });
    this.ledger.changed = (changes) => {
      for (const c of changes) this.emitOne(c.kind, c.view, c.cause);
    };
    this.router = new RequestRouter({
      owner: this,
      requestTimeoutMs: this.options.requestTimeoutMs,
      windows: laneWindows(this.options.maxInFlight, this.options.maxResyncWindow),
      clock,
      // User requests wait while a new active session replays the ledger; the SDK's own go.
      route: (internal) => (internal || !this.pair.holding ? this.pair.active : undefined),
      answered: (p, e) => this.replays.learnFromAnswer(p, e, this.pair.active, this.pair.standby),
      awaitingPrimary: () => this.pair.awaitingPrimary,
    });
    this.refs = this.router.refs;
    this.replays = new LedgerReplay(this.router, this.ledger);
    this.gate = new EventGate(
      {
        get active() {
          return conn.pair.active;
        },
      },
      this.router,
      this.ledger,
      { emit: (name, arg) => this.emitOne(name, arg), reportError: (err) => this.reportError(err) },
      { validation: this.options.validation, maxHeldBytes: this.options.maxHeldBytes },
    );
    this.resync = new Resync({
      owner: this,
      router: this.router,
      ledger: this.ledger,
      window: this.options.resyncWindow,
      maxWindow: this.options.maxResyncWindow,
      clock,
      done: (summary) => {
        this.pair.resynced();
        this.emitOne('resynced', summary);
      },
    });
    this.pair = new PairDriver(
      {
        owner: this,
        options: this.options,
        gate: this.gate,
        router: this.router,
        replays: this.replays,
        resync: this.resync,
        ledger: this.ledger,
        statusStream: this.statusStream,
        emit: (name, arg) => this.emitOne(name, arg),
        snapshot: () => this.state,
        reportError: (err) => this.reportError(err),
        reportHandlerError: (name, err) => this.reportHandlerError(name, err),
        endIterators: () => {
          for (const end of [...this.iterators]) end();
          this.statusStream.endAll();
        },
      },
      { ...internals, clock },
    );
  }

  /** Keeps whether anyone listens for the state model's changes (asked at every event). */
  protected override listenersChanged(): void {
    this.changesListened = this.listenerCount('callChanged') + this.listenerCount('callEnded') + this.listenerCount('dnChanged') > 0;
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Opens a session to the primary (or, failing that, the backup). Resolves once one is open.
   * With `retry`, keeps trying (backoff, `signal`, each failed attempt on status()) until one answers.
   */
  async open(options: OpenOptions = {}): Promise<void> {
    return this.firstConnect.open(options);
  }

  /**
   * Closes everything: sessions, reconnect loops, timers. Pending and queued requests are rejected
   * with ConnectionClosedError; async iterators end; the user's ledger is kept for a later open().
   */
  async close(): Promise<void> {
    this.firstConnect.stop();
    return this.pair.close();
  }

  get state(): ConnectionState {
    return {
      status: this.pair.status,
      active: this.pair.active?.name,
      standby: this.pair.standby?.isOpen ? this.pair.standby.name : undefined,
      primaryEndpoint: this.options.primary.name,
      backupEndpoint: this.pair.backupEndpoint?.name,
      linkUp: this.pair.linkShown,
      resyncing: this.pair.resyncing,
      registeredDNs: this.ledger.dns.size,
      knownCalls: this.ledger.calls.size,
      inFlight: this.router.inFlightCount,
      queued: this.router.queuedCount,
    };
  }

  /** DNs registered by the user (re-registered after every reconnect and on the standby). */
  get registeredDNs(): string[] {
    return [...this.ledger.dns.keys()];
  }

  /** The calls on registered DNs, by ConnID: frozen views, replaced on change (docs/state-model.md). */
  get calls(): ReadonlyMap<string, CallView> {
    return this.ledger.model.calls;
  }

  /** The registered DNs: agent, DND, forwarding, their calls. */
  get dns(): ReadonlyMap<string, DNView> {
    return this.ledger.model.dns;
  }

  // ------------------------------------------------------------------ requests

  /**
   * Sends any request of the catalogue. Arguments are checked first (InvalidArgumentError names the
   * attribute); resolves with the answering event; rejects with TServerError (EventError),
   * RequestTimeoutError, RequestInterruptedError, OfflineQueueFullError, ConnectionClosedError, or
   * the abort signal's reason.
   */
  request<N extends RequestName>(name: N, args?: RequestArgs<N>, options: RequestOptions = {}): Promise<AnswerOf<N>> {
    const issues = validateRequestArgs(name, args as Record<string, unknown> | undefined);
    if (issues.length > 0) return Promise.reject(new InvalidArgumentError(issues.map((i) => i.detail).join('; '), issues));
    if (options.timeoutMs !== undefined && !isTimerDelay(options.timeoutMs)) {
      return Promise.reject(
        new InvalidArgumentError(`timeoutMs must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${String(options.timeoutMs)}`),
      );
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const status = this.pair.status;
    if (status === 'closed')
      return Promise.reject(new ConnectionClosedError(`${name} refused: the connection is not open — call open() first`));
    if (status === 'closing') return Promise.reject(new ConnectionClosedError(`${name} refused: the connection is closing`));
    // A routing point's traffic has a budget of its own (requests/pending.ts InternalRequestOptions): the offline queue never refuses it.
    const lane = (options as InternalRequestOptions).lane === 'routing' ? 'routing' : 'user';
    const queueLimit = this.options.offlineQueueLimit;
    if (lane === 'user' && queueLimit === false && !this.pair.active?.isOpen) {
      return Promise.reject(new NotConnectedError(`${name} refused: no server is available and offlineQueue is off`));
    }
    // Every user request that would wait counts: offline, behind the CTI link, or past maxInFlight.
    const limit = queueLimit === false ? DEFAULTS.offlineQueueLimit : queueLimit;
    if (lane === 'user' && this.router.userQueued >= limit && this.router.wouldWait(name))
      return Promise.reject(new OfflineQueueFullError(limit, name));
    // A DN is registered once per connection (README, "Call control"): a second registration would be
    // undone by the first unregisterAddress while its owner still counted on it.
    const dn = name === 'RequestRegisterAddress' ? String((args as { ThisDN?: unknown }).ThisDN) : undefined;
    if (dn !== undefined && (this.ledger.dns.has(dn) || this.registering.has(dn))) {
      return Promise.reject(
        new InvalidStateError(
          `RequestRegisterAddress refused: DN ${dn} is already registered on this connection; unregisterAddress() it first`,
          status,
        ),
      );
    }
    const attributes = normalizeArgs(args as Record<string, unknown> | undefined);
    // Users keep the SubscriptionID they were given; the server may know it by another since a replay.
    let userSubscriptionId: number | undefined;
    if (name === 'RequestTransactionMonitoring' && typeof attributes.SubscriptionID === 'number') {
      userSubscriptionId = attributes.SubscriptionID;
      attributes.SubscriptionID = this.ledger.subscriptions.toServer(userSubscriptionId);
    }
    const p = this.router.create(name, attributes, options, {
      lane,
      deliverAnswer: true,
      target: undefined,
      userSubscriptionId,
    });
    if (dn !== undefined) {
      this.registering.add(dn);
      const settled = () => this.registering.delete(dn);
      p.promise.then(settled, settled);
    }
    this.router.submit(p);
    return p.promise as Promise<AnswerOf<N>>;
  }

  /**
   * Async iteration over every event users may see; ends at once on close() or when `signal`
   * aborts. Events wait in a buffer of `maxBuffered` (default 100 000) while the loop body runs;
   * past it, `overflow` 'error' (default) ends the loop with IteratorOverflowError, 'dropOldest'
   * drops the oldest with a process warning.
   */
  events(options: EventsIteratorOptions = {}): AsyncIterableIterator<TEvent> {
    return pushIterator<TEvent>(
      (push) => {
        this.on('event', push);
        return () => this.off('event', push);
      },
      { signal: options.signal, enders: this.iterators, maxBuffered: options.maxBuffered, overflow: options.overflow, what: 'events()' },
    );
  }

  /**
   * One discriminated stream of what the connection goes through — connecting, open, reconnecting
   * (and each failed attempt), failover, disconnect, resync, closed — as nats.js's `status()`.
   * Ends after 'closed' on close(), or at once when `signal` aborts. Each iterator keeps at most
   * `limit` entries (default DEFAULTS.statusBufferLimit, 256) while its consumer is behind: the
   * oldest are dropped, and the next entry read says how many (`dropped`).
   */
  status(options: StatusIteratorOptions = {}): AsyncIterableIterator<StatusEntry> {
    const limit = options.limit ?? DEFAULTS.statusBufferLimit;
    if (!Number.isInteger(limit) || limit < 1)
      throw new InvalidArgumentError(`status() limit must be a whole number ≥ 1, got ${String(limit)}`);
    return this.statusStream.iterate(limit, options.signal);
  }

  /**
   * An outbound dialer on this connection: `dialer.dial(target, number, options)` places predictive
   * calls (RequestMakePredictiveCall) and resolves with each call's outcome. See docs/dialer.md.
   */
  dialer(options?: DialerOptions): Dialer {
    return new Dialer(this as unknown as DialerHost, options);
  }
}
