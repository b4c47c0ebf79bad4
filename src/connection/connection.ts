/**
 * TServerConnection: what users hold. Owns at most two ServerSessions (active and standby) and the
 * ledger; routes requests to the active session; replays the ledger on every new session; fails
 * over between the hot-standby pair; resynchronizes after EventPrimaryChanged; and passes every
 * message through the event gate before users see it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import pRetry from 'p-retry';
import type { DecodedMessage } from '../codec/index.js';
import {
  BackupAddressRefusedError,
  ConnectError,
  ConnectionClosedError,
  EventValidationError,
  HandlerError,
  InvalidArgumentError,
  InvalidStateError,
  NotConnectedError,
  OfflineQueueFullError,
  ProtocolError,
  RequestInterruptedError,
  TServerError,
  type TlibError,
} from '../errors.js';
import { type KVList, type KVListInput, ServerRole } from '../protocol/attributes.js';
import { isAnsweringEvent, messageByName, type MessageDescriptor } from '../protocol/catalogue.js';
import type { EventName, RequestName } from '../protocol/messages.js';
import type { AnswerOf, EventMap, PublicEventName, RequestArgs, TEvent } from '../protocol/types.js';
import { validateEvent, validateRequestArgs } from '../protocol/validate.js';
import { kvGet, nowTime, toKVList } from '../protocol/values.js';
import type { Endpoint } from '../transport/index.js';
import { pushIterator } from '../util/push-iterator.js';
import { Ledger, type DNRegistration } from './ledger.js';
import { MAX_TIMER_MS, endpointName, isTimerDelay, isValidHost, isValidPort, resolveOptions, type ResolvedOptions, type TServerConnectionOptions } from './options.js';
import { PendingRequest, ReferenceIds, type RequestOptions } from './requests.js';
import { ServerSession } from './session.js';
import { RequestHelpers, inputMaskOf } from './helpers.js';

export { inputMaskOf };

const debug = createDebug('tlib:connection');
const debugData = createDebug('tlib:data');

export type ConnectionStatus = 'closed' | 'connecting' | 'open' | 'reconnecting' | 'closing';

/** A snapshot of where the connection stands (`conn.state`). */
export interface ConnectionState {
  status: ConnectionStatus;
  /** Name of the server requests go to, if any. */
  active: string | undefined;
  /** Name of the silent hot-standby session, if one is open. */
  standby: string | undefined;
  /** Known endpoints: the configured primary, and the backup (configured or learned). */
  primaryEndpoint: string;
  backupEndpoint: string | undefined;
  /** CTI-link status as users last saw it (undefined before the first link event). */
  linkUp: boolean | undefined;
  /** True while a resync after EventPrimaryChanged runs. */
  resyncing: boolean;
  registeredDNs: number;
  knownCalls: number;
  inFlight: number;
  queued: number;
}

export interface ResyncSummary {
  server: string;
  dns: number;
  calls: number;
  durationMs: number;
  errors: Array<{ request: string; target: string; error: TlibError | Error }>;
}

/** A catalogue problem with a received event, or an unknown message/attribute (delivered anyway). */
export interface ProtocolWarning {
  code: string;
  server: string;
  event: string | undefined;
  attribute?: string;
  detail: string;
}

type NamedEventListeners = { [N in PublicEventName]: (event: EventMap[N]) => void };

export interface TServerConnectionEvents extends NamedEventListeners {
  /** Every event users may see, in delivery order. */
  event: (event: TEvent) => void;
  /** Typed errors that concern no pending request (strict validation, a listener that threw...). */
  error: (error: TlibError) => void;
  protocolWarning: (warning: ProtocolWarning) => void;
  /** A well-framed message of a type the catalogue does not know: kept, not dropped. */
  unknownMessage: (message: { Server: string; type: number; attributes: Record<string, unknown> }) => void;
  resynced: (summary: ResyncSummary) => void;
  /** A reconnect attempt failed; the loop goes on. */
  reconnectFailed: (info: { server: string; attempt: number; error: Error }) => void;
  stateChange: (state: ConnectionState) => void;
  close: () => void;
}

type ConnectionEventName = keyof TServerConnectionEvents;

export interface EventsIteratorOptions {
  signal?: AbortSignal;
}

export class TServerConnection extends RequestHelpers {
  readonly options: ResolvedOptions;
  private status: ConnectionStatus = 'closed';
  private active: ServerSession | undefined;
  private standby: ServerSession | undefined;
  private backupEndpoint: Endpoint | undefined;
  private readonly ledger = new Ledger();
  private readonly inFlight = new Map<number, PendingRequest>();
  private readonly reservedRefs = new Set<number>();
  private readonly refs = new ReferenceIds({ has: (id) => this.inFlight.has(id) || this.reservedRefs.has(id) });
  /** Requests waiting for a server (offline) or for the CTI link (registrations). */
  private queue: PendingRequest[] = [];
  /** Aborts every loop and attempt when close() is called. */
  private lifetime = new AbortController();
  /** The reconnect loop (no session up) and the standby loop, while they run. */
  private activeLoop: Promise<void> | undefined;
  private standbyLoop: Promise<void> | undefined;
  /** Sessions that died young, by endpoint: their next dial waits (no reconnect storm). */
  private readonly youngLosses = new Map<string, number>();
  /** A dial of the primary a backup named, while it runs. */
  private primaryDial: Promise<void> | undefined;
  /** True once a server has sent EventRestoreConnection: the servers are a hot-standby pair. */
  private hotStandby = false;
  /** True after the first successful open (later adoptions are reconnects). */
  private everOpened = false;
  /** Every loop still running, so close() can wait for all of them. */
  private readonly loops = new Set<Promise<void>>();
  /** User-visible events held while a new active session replays the ledger. */
  private held: Record<string, unknown>[] | undefined;
  /** CTI-link status as users last saw it. */
  private visibleLinkUp: boolean | undefined;
  /** Duplicate filter: highest EventSequenceNumber delivered, per ServerStartTime of the pair. */
  private lastSeq = -1;
  private seqEpochSeconds = -1;
  private seqEpochMicros = -1;
  /** Role watermark: role messages older than the last one acted upon are stale (the race of the seed). */
  private lastRoleSeq = -1;
  private resyncGeneration = 0;
  private resyncRunning = false;
  private resyncPending = false;
  private iterators = new Set<() => void>();

  constructor(options: TServerConnectionOptions) {
    super();
    this.options = resolveOptions(options);
    this.backupEndpoint = this.options.backup;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Opens a session to the primary (or, failing that, the backup). Resolves once one is open. */
  async open(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.status !== 'closed') throw new InvalidStateError(`open() called while ${this.status}: close() it first, or use a new TServerConnection`, this.status);
    this.lifetime = new AbortController();
    this.setStatus('connecting');
    const signal = options.signal ? AbortSignal.any([options.signal, this.lifetime.signal]) : this.lifetime.signal;
    const errors: Error[] = [];
    for (const endpoint of this.endpoints()) {
      try {
        const session = await this.connectSession(endpoint, signal);
        await this.adoptActive(session);
        if (this.lifetime.signal.aborted) throw new ConnectionClosedError('closed while opening');
        return;
      } catch (err) {
        errors.push(err as Error);
        if (signal.aborted) break;
      }
    }
    this.setStatus('closed');
    if (signal.aborted && !this.lifetime.signal.aborted) throw signal.reason;
    if (this.lifetime.signal.aborted) throw new ConnectionClosedError('closed while opening');
    if (errors.length === 1) throw errors[0];
    // Each message already names its server.
    throw new ConnectError(this.endpoints().map((e) => e.name).join(', '), `no server answered: ${errors.map((e) => e.message).join('; ')}`, errors);
  }

  /**
   * Closes everything: sessions, reconnect loops, timers. Pending and queued requests are rejected
   * with ConnectionClosedError; async iterators end; the user's ledger is kept for a later open().
   */
  async close(): Promise<void> {
    if (this.status === 'closed' && !this.active && !this.standby) return;
    await this.shutdown(new ConnectionClosedError());
  }

  /** close(), and the end of a reconnect loop that gave up: everything stops, 'close' is emitted. */
  private async shutdown(err: Error): Promise<void> {
    this.setStatus('closing');
    this.lifetime.abort(err);
    const sessions = [this.active, this.standby];
    this.active = undefined;
    this.standby = undefined;
    for (const s of sessions) s?.close();
    for (const p of [...this.inFlight.values(), ...this.queue]) p.reject(err);
    this.inFlight.clear();
    this.queue = [];
    this.held = undefined;
    this.resyncGeneration++;
    this.resyncRunning = false;
    this.resyncPending = false;
    await Promise.allSettled([...this.loops]);
    this.visibleLinkUp = undefined;
    this.setStatus('closed');
    for (const end of [...this.iterators]) end();
    this.safeEmit('close');
  }

  get state(): ConnectionState {
    return {
      status: this.status,
      active: this.active?.name,
      standby: this.standby?.isOpen ? this.standby.name : undefined,
      primaryEndpoint: this.options.primary.name,
      backupEndpoint: this.backupEndpoint?.name,
      linkUp: this.visibleLinkUp,
      resyncing: this.resyncRunning,
      registeredDNs: this.ledger.dns.size,
      knownCalls: this.ledger.calls.size,
      inFlight: this.inFlight.size,
      queued: this.queue.length,
    };
  }

  /** DNs registered by the user (re-registered after every reconnect and on the standby). */
  get registeredDNs(): string[] {
    return [...this.ledger.dns.keys()];
  }

  /** Calls known on registered DNs (ConnIDs), as the resync will query them. */
  get knownCalls(): string[] {
    return [...this.ledger.calls.keys()];
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    debug('status %s', status);
    this.safeEmit('stateChange', this.state);
  }

  private endpoints(): Endpoint[] {
    const list = [this.options.primary];
    if (this.backupEndpoint && this.backupEndpoint.name !== this.options.primary.name) list.push(this.backupEndpoint);
    return list;
  }

  private async connectSession(endpoint: Endpoint, signal: AbortSignal): Promise<ServerSession> {
    const session = new ServerSession(endpoint, this.options);
    session.on('message', (m, s) => this.onMessage(m, s));
    session.on('lost', (reason, s) => this.onSessionLost(s, reason));
    const ref = this.refs.take();
    this.reservedRefs.add(ref);
    try {
      await session.open(ref, signal); // the session notes the link status its answer gives
      return session;
    } catch (err) {
      session.close();
      throw err;
    } finally {
      this.reservedRefs.delete(ref);
    }
  }

  /**
   * Makes a freshly opened session the active one: replay the ledger on it, then announce it
   * (EventServerConnected, then its link status), then let held events and queued requests through.
   */
  private async adoptActive(session: ServerSession): Promise<void> {
    if (this.lifetime.signal.aborted) {
      session.close();
      return;
    }
    this.active = session;
    session.announced = true;
    this.held = [];
    session.release();
    const replay = this.replayLedger(session, true);
    // Registrations wait for the link: do not hold the announcement on them while it is down.
    await Promise.allSettled((session.linkUp ? replay : replay.filter((p) => p.name !== 'RequestRegisterAddress')).map((p) => p.promise));
    if (this.active !== session || this.lifetime.signal.aborted) return;
    this.setStatus('open');
    const held = this.held ?? [];
    this.held = undefined;
    this.deliver({ Event: 'EventServerConnected', Server: session.name });
    const link = session.lastLinkEvent;
    if (link) this.deliverLink(session, link);
    for (const e of held) this.deliver(e);
    this.flushQueue();
    // After a reconnect (not the first open) calls and agents may have moved while we were away.
    if (this.everOpened && this.options.resyncOnReconnect) this.resyncWhenLinkUp(session);
    this.everOpened = true;
    this.restoreRedundancy();
  }

  private resyncWhenLinkUp(session: ServerSession): void {
    if (this.ledger.dns.size === 0 && this.ledger.calls.size === 0) return;
    if (session.linkUp) this.startResync(session);
    else this.resyncPending = true;
  }

  /**
   * The client is back on the server that was primary all along (it had moved to the backup after
   * losing it, or a backup pointed it there): no EventPrimaryChanged will come, so announce the
   * server again and resync.
   */
  private returnToPrimary(session: ServerSession): void {
    this.promote(session, 'returnToPrimary');
    this.deliver({ Event: 'EventServerConnected', Server: session.name });
    this.deliverLink(session, switchoverLink(session, session.linkUp));
    this.replaySubscriptions(session);
    this.resyncWhenLinkUp(session);
  }

  /**
   * One session per server: a standby to the active's own server is worthless; dial the other one.
   * Only for a hot-standby pair (a server has sent EventRestoreConnection): a backup that is merely
   * configured is dialled by the reconnect loop when the primary is lost, not held open.
   */
  private restoreRedundancy(): void {
    const active = this.active;
    if (!active || this.lifetime.signal.aborted) return;
    if (this.standby && this.standby.endpoint.name === active.endpoint.name) {
      this.standby.close();
      this.standby = undefined;
    }
    if (this.standby || !this.hotStandby) return;
    const other = this.endpoints().find((e) => e.name !== active.endpoint.name);
    if (other) this.ensureStandby(other);
  }

  private replayLedger(session: ServerSession, full: boolean): PendingRequest[] {
    const sent: PendingRequest[] = [];
    const add = (name: RequestName, attributes: Record<string, unknown>) => {
      const p = this.createRequest(name, attributes, {}, { internal: true, deliverAnswer: false, target: session });
      p.promise.catch((err) => debug('%s: replay %s failed: %s', session.name, name, (err as Error).message));
      sent.push(p);
      this.dispatch(p);
    };
    for (const [dn, reg] of this.ledger.dns) add('RequestRegisterAddress', { ThisDN: dn, ...reg });
    if (this.ledger.inputMask) add('RequestSetInputMask', { InputMask: this.ledger.inputMask });
    if (full) sent.push(...this.replaySubscriptions(session));
    return sent;
  }

  /** Transaction-monitoring subscriptions live on the primary: start them again on a new one. */
  private replaySubscriptions(session: ServerSession): PendingRequest[] {
    const sent: PendingRequest[] = [];
    for (const [userId, rec] of this.ledger.subscriptions) {
      const attributes = { SubscriptionOperation: 1, TransactionType: rec.TransactionType, Extensions: rec.Extensions };
      const p = this.createRequest('RequestTransactionMonitoring', normalizeArgs(attributes), {}, {
        internal: true,
        deliverAnswer: false,
        target: session,
      });
      p.promise.then(
        (ack) => {
          if (typeof ack.SubscriptionID === 'number') rec.serverId = ack.SubscriptionID;
        },
        (err) => debug('%s: replay of subscription %d failed: %s', session.name, userId, (err as Error).message),
      );
      sent.push(p);
      this.dispatch(p);
    }
    return sent;
  }

  // ------------------------------------------------------------------ loss, reconnect, failover

  private onSessionLost(session: ServerSession, reason: TlibError): void {
    session.removeAllListeners();
    if (this.lifetime.signal.aborted) return;
    const lived = performance.now() - session.openedAt;
    if (lived < STABLE_SESSION_MS) this.youngLosses.set(session.endpoint.name, (this.youngLosses.get(session.endpoint.name) ?? 0) + 1);
    else this.youngLosses.delete(session.endpoint.name);
    const wasActive = session === this.active;
    if (session === this.standby) this.standby = undefined;
    if (wasActive) this.active = undefined;
    if (session.announced) this.deliver({ Event: 'EventServerDisconnected', Server: session.name });
    if (reason instanceof ProtocolError) {
      this.warn({ code: reason.code, server: session.name, event: undefined, detail: reason.message });
    }
    if (wasActive) {
      this.held = undefined;
      if (this.standby?.isOpen) {
        // Hot standby: switch at once; the new primary's EventPrimaryChanged will follow.
        this.promote(this.standby, 'lost');
      } else {
        this.requeueInFlight(session, 'the connection was lost');
        this.setStatus('reconnecting');
        this.ensureActive(this.backoffAfterYoungLosses(session.endpoint.name));
        return;
      }
    }
    this.requeueInFlight(session, 'the connection was lost');
    // Restore redundancy in the background.
    this.ensureStandby(session.endpoint);
  }

  /** In-flight requests of a lost or demoted session: idempotent ones go again, others are interrupted. */
  private requeueInFlight(session: ServerSession, why: string): void {
    for (const [ref, p] of this.inFlight) {
      if (p.session !== session) continue;
      this.inFlight.delete(ref);
      p.session = undefined;
      // A request bound to that session (a replay) cannot go elsewhere.
      if (p.idempotent && p.target !== session) this.dispatch(p);
      else p.reject(new RequestInterruptedError(p.info(), why));
    }
    // Replays queued for that session can no longer go anywhere.
    this.queue = this.queue.filter((p) => {
      if (p.target !== session) return true;
      p.reject(new RequestInterruptedError(p.info(), why));
      return false;
    });
  }

  private retryOptions(signal: AbortSignal) {
    const r = this.options.reconnect;
    if (!r) return undefined;
    return {
      retries: r.retries,
      minTimeout: r.minTimeoutMs,
      maxTimeout: r.maxTimeoutMs,
      factor: r.factor,
      randomize: r.randomize,
      signal,
    };
  }

  /** close() waits for every loop still running. */
  private trackLoop(loop: Promise<void>): void {
    this.loops.add(loop);
    void loop.finally(() => this.loops.delete(loop));
  }

  /**
   * Delay before dialling a server whose sessions keep dying young (it accepts, registers us, then
   * drops us): the backoff carries over from one short-lived session to the next.
   */
  private backoffAfterYoungLosses(endpointName: string): number {
    const r = this.options.reconnect;
    const n = this.youngLosses.get(endpointName) ?? 0;
    if (!r || n === 0) return 0;
    const base = Math.min(r.maxTimeoutMs, r.minTimeoutMs * r.factor ** (n - 1));
    return Math.round(base * (r.randomize ? 1 + Math.random() : 1));
  }

  /** Reconnect loop when no session is up: p-retry with backoff, alternating known endpoints. */
  private ensureActive(initialDelayMs = 0): void {
    if (this.activeLoop || this.lifetime.signal.aborted) return;
    const signal = this.lifetime.signal;
    const options = this.retryOptions(signal);
    if (!options) {
      void this.shutdown(new NotConnectedError('connection lost and reconnect is off'));
      return;
    }
    // Declared before it is set: the body checks it only after its first await.
    let loop!: Promise<void>;
    loop = (async () => {
      try {
        if (initialDelayMs > 0) {
          debug('reconnect waits %d ms (sessions died young)', initialDelayMs);
          await sleep(initialDelayMs, undefined, { signal });
        }
        let dialled = this.options.primary;
        const session = await pRetry(
          async (attempt) => {
            if (this.active) return undefined; // a standby became active meanwhile
            const list = this.endpoints();
            dialled = list[(attempt - 1) % list.length];
            return this.connectSession(dialled, signal);
          },
          {
            ...options,
            onFailedAttempt: ({ error, attemptNumber }) => {
              debug('reconnect attempt %d to %s failed: %s', attemptNumber, dialled.name, error.message);
              this.safeEmit('reconnectFailed', { server: dialled.name, attempt: attemptNumber, error });
            },
          },
        );
        if (this.activeLoop === loop) this.activeLoop = undefined;
        if (session) {
          if (this.active) this.adoptStandby(session);
          else await this.adoptActive(session);
        }
      } catch (err) {
        if (!signal.aborted) {
          debug('reconnect gave up: %s', (err as Error).message);
          // Not awaited: shutdown() waits for every loop, this one included.
          void this.shutdown(new NotConnectedError(`reconnect gave up: ${(err as Error).message}`));
        }
      } finally {
        if (this.activeLoop === loop) this.activeLoop = undefined;
      }
    })();
    this.activeLoop = loop;
    this.trackLoop(loop);
  }

  /** Background loop that re-opens a standby session to `endpoint` (never to the active's server). */
  private ensureStandby(endpoint: Endpoint): void {
    if (this.standbyLoop || this.lifetime.signal.aborted) return;
    if (this.standby && this.standby.endpoint.name === endpoint.name) return;
    if (this.active && this.active.endpoint.name === endpoint.name) return;
    const signal = this.lifetime.signal;
    const options = this.retryOptions(signal);
    if (!options) return;
    const initialDelayMs = this.backoffAfterYoungLosses(endpoint.name);
    // Declared before it is set: the body checks it only after its first await.
    let loop!: Promise<void>;
    loop = (async () => {
      try {
        if (initialDelayMs > 0) await sleep(initialDelayMs, undefined, { signal });
        const session = await pRetry(() => this.connectSession(endpoint, signal), {
          ...options,
          onFailedAttempt: ({ error, attemptNumber }) => debug('standby %s attempt %d failed: %s', endpoint.name, attemptNumber, error.message),
        });
        if (this.standbyLoop === loop) this.standbyLoop = undefined;
        if (!this.active) await this.adoptActive(session);
        else this.adoptStandby(session);
      } catch (err) {
        if (!signal.aborted) debug('standby loop for %s gave up: %s', endpoint.name, (err as Error).message);
      } finally {
        if (this.standbyLoop === loop) this.standbyLoop = undefined;
      }
    })();
    this.standbyLoop = loop;
    this.trackLoop(loop);
  }

  private adoptStandby(session: ServerSession): void {
    if (this.lifetime.signal.aborted) {
      session.close();
      return;
    }
    if (this.active && this.active.endpoint.name === session.endpoint.name) {
      // Two loops reached the same server: keep one session to it and go for the other server.
      debug('%s: already active there; standby session dropped', session.name);
      session.close();
      this.restoreRedundancy();
      return;
    }
    if (this.standby && this.standby !== session) this.standby.close();
    this.standby = session;
    session.release();
    this.replayLedger(session, false);
    debug('%s: standby session open', session.name);
    this.safeEmit('stateChange', this.state);
  }

  /**
   * Makes `session` active. The old active, if still up, becomes the standby. Requests in flight on
   * the old one follow the rules: idempotent re-sent here, others interrupted.
   */
  private promote(session: ServerSession, why: 'lost' | 'primaryChanged' | 'roleBackup' | 'returnToPrimary'): void {
    const old = this.active;
    if (old === session) return;
    debug('promote %s (%s), old active %s', session.name, why, old?.name ?? 'none');
    if (this.standby === session) this.standby = undefined;
    this.active = session;
    session.announced = true;
    if (this.held) {
      // An adoption was replaying the ledger on the old active: it will bail out, so its hold ends
      // here (its events are delivered, and waiting requests may go).
      const held = this.held;
      this.held = undefined;
      for (const e of held) this.deliver(e);
    }
    if (old && old.isOpen) {
      if (this.standby && this.standby !== old) this.standby.close();
      this.standby = old;
      this.requeueInFlight(old, 'the servers switched over');
    }
    // One 'stateChange': setStatus() emits it when the status itself changes.
    if (this.status === 'open') this.safeEmit('stateChange', this.state);
    else this.setStatus('open');
    this.flushQueue();
  }

  // ------------------------------------------------------------------ the event gate

  private onMessage(m: DecodedMessage, session: ServerSession): void {
    if (session.state === 'closed') return;
    const name = m.name;
    const attrs = m.attributes;
    // 1. Internal messages and protocol violations stop here.
    if (name === undefined) {
      if (session !== this.active) return;
      this.warn({ code: 'ERR_UNKNOWN_MESSAGE', server: session.name, event: undefined, detail: `unknown message type ${m.type}` });
      this.safeEmit('unknownMessage', { Server: session.name, type: m.type, attributes: attrs });
      return;
    }
    const d = messageByName(name)!;
    if (d.synthesized || d.kind !== 'event') {
      session.abort(
        new ProtocolError('ERR_UNEXPECTED_MESSAGE', `${name} (type ${m.type}) must never come from a server`, 0, false),
      );
      return;
    }
    if (name === 'EventRestoreConnection') {
      this.onRestoreConnection(session, attrs);
      return;
    }
    const seq = attrs.EventSequenceNumber;
    // 2. Messages from the standby session stop here (link status was noted by the session).
    if (session !== this.active) {
      if (name === 'EventPrimaryChanged') {
        // Act at the end of this I/O phase, so a loss of the old primary seen in the same phase
        // comes first (EventServerDisconnected, then EventPrimaryChanged). Later messages from
        // this session wait behind it.
        session.hold();
        setImmediate(() => {
          if (session.state !== 'open' || this.lifetime.signal.aborted) return;
          if (this.claimRole(session, 'primary', seq)) this.onPrimaryChanged(session, m);
          else this.reconcileRoles();
          session.release();
        });
        return;
      }
      this.settleAnswer(session, name, attrs);
      return;
    }
    // 3. Duplicates stop here (never an answer to a request in flight).
    if (typeof seq === 'number' && this.isDuplicate(seq, attrs.ServerStartTime) && !this.isAwaitedAnswer(session, attrs)) {
      debug('%s: duplicate %s seq %d dropped', session.name, name, seq);
      return;
    }
    // 4. EventPrimaryChanged and link events: the seed's order.
    if (name === 'EventPrimaryChanged') {
      if (this.claimRole(session, 'primary', seq)) this.onPrimaryChanged(session, m);
      return;
    }
    if (name === 'EventLinkConnected' || name === 'EventLinkDisconnected') {
      // A link event that repeats what users already see (the server's own copy of one the
      // switchover fix-up delivered) stops here.
      if (this.visibleLinkUp !== (name === 'EventLinkConnected') && this.checkEvent(session, name, attrs, undefined)) {
        this.deliverLink(session, m);
      }
      return;
    }
    if (d.obsolete) {
      this.warn({ code: 'ERR_OBSOLETE_EVENT', server: session.name, event: name, detail: `${name} is obsolete: delivered, not acted upon` });
    }
    // 5–6. Validation, answers, the ledger, then users.
    const event = this.toEvent(session, name, m);
    const pending = this.answerFor(session, name, attrs);
    if (!this.checkEvent(session, name, attrs, pending)) return;
    if (pending) this.settle(pending, event);
    if (event.unknownAttributes) {
      for (const u of event.unknownAttributes as { id: number }[]) {
        this.warn({ code: 'ERR_UNKNOWN_ATTRIBUTE', server: session.name, event: name, attribute: String(u.id), detail: `${name} carries unknown attribute id ${u.id}` });
      }
    }
    if (pending && !pending.deliverAnswer) return;
    this.deliver(event);
  }

  /**
   * Validation against the catalogue: 'warn' reports and lets the event through; 'strict' stops it
   * and rejects the request it answers (or emits 'error'). Returns whether to go on.
   */
  private checkEvent(session: ServerSession, name: string, attrs: Record<string, unknown>, pending: PendingRequest | undefined): boolean {
    if (this.options.validation === 'off') return true;
    const issues = validateEvent(name, attrs, pending ? { answering: { name: pending.name, attributes: pending.attributes } } : undefined);
    if (issues.length === 0) return true;
    if (this.options.validation === 'strict') {
      const err = new EventValidationError(issues, { Event: name, Server: session.name, ...attrs });
      if (pending) this.settle(pending, undefined, err);
      else this.safeEmit('error', err);
      return false;
    }
    for (const i of issues) this.warn({ code: i.code, server: session.name, event: name, attribute: i.attribute, detail: i.detail });
    return true;
  }

  private toEvent(session: ServerSession, name: string, m: DecodedMessage): Record<string, unknown> {
    const event: Record<string, unknown> = { Event: name, Server: session.name, ...m.attributes };
    if (m.unknownAttributes) event.unknownAttributes = m.unknownAttributes;
    if (name === 'EventTransactionStatus' && typeof event.SubscriptionID === 'number' && this.ledger.subscriptions.size > 0) {
      event.SubscriptionID = this.ledger.userSubscriptionId(event.SubscriptionID);
    }
    return event;
  }

  private isAwaitedAnswer(session: ServerSession, attrs: Record<string, unknown>): boolean {
    const ref = attrs.ReferenceID;
    return typeof ref === 'number' && this.inFlight.get(ref)?.session === session;
  }

  /**
   * True when `seq` was already delivered for this pair. Sequence numbers are only comparable under
   * one ServerStartTime (the whole of it): another start time starts a new series.
   */
  private isDuplicate(seq: number, startTime: unknown): boolean {
    const t = startTime as { seconds: number; microseconds: number } | undefined;
    // Compared as two numbers: this runs for every event.
    if (t && typeof t === 'object' && (t.seconds !== this.seqEpochSeconds || t.microseconds !== this.seqEpochMicros)) {
      this.seqEpochSeconds = t.seconds;
      this.seqEpochMicros = t.microseconds;
      this.lastSeq = -1;
      this.lastRoleSeq = -1;
    }
    if (seq <= this.lastSeq) return true;
    this.lastSeq = seq;
    return false;
  }

  /** For events delivered outside the duplicate check (the switchover's own): advance the watermark. */
  private markDelivered(seq: unknown): void {
    if (typeof seq === 'number' && seq > this.lastSeq) this.lastSeq = seq;
  }

  /** ServerRole 1 wins over an older EventPrimaryChanged: role messages are ordered by sequence. */
  private staleRole(seq: unknown): boolean {
    if (typeof seq !== 'number') return false;
    if (seq < this.lastRoleSeq) {
      debug('stale role message seq %d (< %d) ignored', seq, this.lastRoleSeq);
      return true;
    }
    this.lastRoleSeq = seq;
    return false;
  }

  /**
   * Records a server's own latest role claim — one socket keeps its order, so the newest message
   * of a session is its truth — and says whether to act on it (not when another server has since
   * announced something newer: the switchover race of the seed).
   */
  private claimRole(session: ServerSession, role: 'primary' | 'backup', seq: unknown): boolean {
    session.role = role;
    return !this.staleRole(seq);
  }

  /** The active says it is the backup and the standby says it is the primary: go to the standby. */
  private reconcileRoles(): void {
    const standby = this.standby;
    if (this.active?.role === 'backup' && standby?.isOpen && standby.role === 'primary') this.returnToPrimary(standby);
  }

  private onRestoreConnection(session: ServerSession, attrs: Record<string, unknown>): void {
    if (attrs.ServerRole === ServerRole.Primary || attrs.ServerRole === ServerRole.Backup) {
      if (!this.claimRole(session, attrs.ServerRole === ServerRole.Primary ? 'primary' : 'backup', attrs.EventSequenceNumber)) {
        this.reconcileRoles();
        return;
      }
    }
    this.actOnRestoreConnection(session, attrs);
    this.reconcileRoles();
  }

  private actOnRestoreConnection(session: ServerSession, attrs: Record<string, unknown>): void {
    const role = attrs.ServerRole;
    const data = Array.isArray(attrs.UserData) ? (attrs.UserData as KVList) : undefined;
    this.hotStandby = true;
    if (role === ServerRole.Primary) {
      session.role = 'primary';
      const backup = this.acceptAddress(session, data, 'BackupHost', 'BackupPort');
      if (session === this.standby && this.active?.role === 'backup') this.returnToPrimary(session);
      if (backup) this.learnPair(session.endpoint, backup);
      if (backup && session === this.active) {
        if (!this.standby || this.standby.endpoint.name !== backup.name) {
          if (this.standby && this.standby.endpoint.name !== backup.name) {
            this.standby.close();
            this.standby = undefined;
          }
          this.ensureStandby(backup);
        }
      }
    } else if (role === ServerRole.Backup) {
      session.role = 'backup';
      const primary = this.acceptAddress(session, data, 'PrimaryHost', 'PrimaryPort');
      if (primary) this.learnPair(session.endpoint, primary);
      if (session === this.active) {
        if (this.standby?.isOpen) {
          this.promote(this.standby, 'roleBackup');
        } else if (primary) {
          // No standby: dial the primary it names; it becomes active when open.
          this.dialPrimary(primary);
        }
      }
    } else {
      this.warn({ code: 'ERR_BAD_VALUE', server: session.name, event: 'EventRestoreConnection', attribute: 'ServerRole', detail: `ServerRole ${String(role)} is neither 0 nor 1` });
    }
  }

  /**
   * The two servers of the pair are the configured primary and `backupEndpoint`. A role message
   * names both members (the sender and the other one): whichever is not the configured primary is
   * the other server. Never the active's own address standing for both.
   */
  private learnPair(sender: Endpoint, named: Endpoint): void {
    const other = [named, sender].find((e) => e.name !== this.options.primary.name);
    if (other && other.name !== this.backupEndpoint?.name) {
      debug('pair: %s and %s', this.options.primary.name, other.name);
      this.backupEndpoint = other;
    }
  }

  /**
   * One attempt at the primary a backup named. It has its own slot: a standby or reconnect loop
   * that is running (possibly towards the wrong server) must not stop it.
   */
  private dialPrimary(endpoint: Endpoint): void {
    if (this.primaryDial || this.lifetime.signal.aborted) return;
    const signal = this.lifetime.signal;
    const dial: Promise<void> = (async () => {
      try {
        const session = await this.connectSession(endpoint, signal);
        const old = this.active;
        if (old?.endpoint.name === session.endpoint.name) {
          session.close();
          return;
        }
        this.adoptStandby(session);
        if (this.standby === session && (old?.role === 'backup' || !old)) this.returnToPrimary(session);
      } catch (err) {
        if (!signal.aborted) debug('dialling primary %s failed: %s', endpoint.name, (err as Error).message);
      } finally {
        this.primaryDial = undefined;
      }
    })();
    this.primaryDial = dial;
    this.trackLoop(dial);
  }

  /** Reads a host/port pair from RestoreConnection's UserData; refuses what it must not dial. */
  private acceptAddress(session: ServerSession, data: KVList | undefined, hostKey: string, portKey: string): Endpoint | undefined {
    if (!data) return undefined;
    const host = kvGet(data, hostKey);
    const rawPort = kvGet(data, portKey);
    const port = typeof rawPort === 'string' && /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
    let problem: string | undefined;
    if (!isValidHost(host)) problem = `${hostKey} ${JSON.stringify(host)} is not a valid host`;
    else if (!isValidPort(port)) problem = `${portKey} ${JSON.stringify(port)} is not a valid port (1–65535)`;
    else if (this.options.allowedBackupHosts) {
      let allowed = false;
      try {
        allowed = this.options.allowedBackupHosts(host, port) === true;
      } catch (err) {
        this.reportHandlerError('allowedBackupHosts', err);
      }
      if (!allowed) problem = `${hostKey} ${host} is not allowed by allowedBackupHosts`;
    }
    if (problem) {
      const err = new BackupAddressRefusedError(`${session.name} offered an address that was refused: ${problem}`, { host, port });
      this.warn({ code: err.code, server: session.name, event: 'EventRestoreConnection', attribute: hostKey, detail: err.message });
      return undefined;
    }
    return { host: host as string, port: port as number, name: endpointName(host as string, port as number) };
  }

  /**
   * Delivers EventPrimaryChanged from the (now active) new primary with the link events the seed
   * puts around it, then resyncs (or waits for the link to come up).
   */
  private onPrimaryChanged(session: ServerSession, m: DecodedMessage): void {
    if (this.active !== session) this.promote(session, 'primaryChanged');
    this.markDelivered(m.attributes.EventSequenceNumber);
    const wasUp = this.visibleLinkUp;
    if (wasUp === true && !session.linkUp) this.deliverLink(session, switchoverLink(session, false));
    if (this.checkEvent(session, 'EventPrimaryChanged', m.attributes, undefined)) {
      this.deliver(this.toEvent(session, 'EventPrimaryChanged', m));
    }
    if (wasUp !== true && session.linkUp) this.deliverLink(session, switchoverLink(session, true));
    this.replaySubscriptions(session);
    if (session.linkUp) this.startResync(session);
    else this.resyncPending = true;
  }

  private deliverLink(session: ServerSession, m: DecodedMessage): void {
    const up = m.name === 'EventLinkConnected';
    this.visibleLinkUp = up;
    this.markDelivered(m.attributes.EventSequenceNumber);
    this.deliver(this.toEvent(session, m.name!, m));
    if (up && session === this.active) {
      this.flushQueue();
      if (this.resyncPending) {
        this.resyncPending = false;
        this.startResync(session);
      }
    }
  }

  // ------------------------------------------------------------------ resync

  /** After EventPrimaryChanged: query the location, every registered DN and every known call, pipelined. */
  private startResync(session: ServerSession): void {
    const generation = ++this.resyncGeneration;
    this.resyncRunning = true;
    const started = performance.now();
    const dns = [...this.ledger.dns.keys()];
    const calls = [...this.ledger.calls.keys()];
    const errors: ResyncSummary['errors'] = [];
    const jobs: Promise<unknown>[] = [];
    const query = (name: RequestName, attributes: Record<string, unknown>, target: string) => {
      const p = this.createRequest(name, attributes, {}, { internal: true, deliverAnswer: true, target: undefined });
      this.dispatch(p);
      jobs.push(
        p.promise.catch((error: TlibError) => {
          if (generation !== this.resyncGeneration) return;
          errors.push({ request: name, target, error });
          // The call ended while we were away.
          if (name === 'RequestQueryCall' && error instanceof TServerError && error.errorCode === 57) {
            this.ledger.removeCall(target);
          }
        }),
      );
    };
    debug('%s: resync of %d DNs and %d calls', session.name, dns.length, calls.length);
    query('RequestQueryLocation', {}, 'location');
    for (const dn of dns) query('RequestQueryAddress', { ThisDN: dn }, dn);
    for (const connId of calls) query('RequestQueryCall', { ConnID: connId }, connId);
    void Promise.all(jobs).then(() => {
      if (generation !== this.resyncGeneration) return; // restarted by a newer EventPrimaryChanged
      this.resyncRunning = false;
      const summary: ResyncSummary = {
        server: session.name,
        dns: dns.length,
        calls: calls.length,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        errors,
      };
      debug('%s: resynced in %d ms (%d errors)', session.name, summary.durationMs, errors.length);
      this.safeEmit('resynced', summary);
    });
  }

  // ------------------------------------------------------------------ requests

  private createRequest(
    name: RequestName,
    attributes: Record<string, unknown>,
    options: RequestOptions,
    flags: { internal: boolean; deliverAnswer: boolean; target: ServerSession | undefined },
  ): PendingRequest {
    const descriptor = messageByName(name) as MessageDescriptor;
    return new PendingRequest({
      descriptor,
      attributes,
      timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs,
      signal: options.signal,
      ...flags,
      onTimeout: (p) => this.drop(p, p.timeoutError()),
      onAbort: (p, reason) => this.drop(p, reason ?? new Error('aborted')),
    });
  }

  private drop(p: PendingRequest, err: unknown): void {
    if (p.referenceId && this.inFlight.get(p.referenceId) === p) this.inFlight.delete(p.referenceId);
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    p.reject(err);
  }

  /** Sends a request now if it can go, or queues it. */
  private dispatch(p: PendingRequest): void {
    if (p.settled) return;
    const session = p.target ?? this.active;
    const ready = session !== undefined && session.isOpen && (p.target !== undefined || this.held === undefined || p.internal);
    if (!ready || (p.waitsForLink && !session.linkUp)) {
      if (p.target && !p.target.isOpen) {
        p.reject(new RequestInterruptedError(p.info(), 'its server session closed'));
        return;
      }
      this.queue.push(p);
      return;
    }
    const ref = this.refs.take();
    p.referenceId = ref;
    p.session = session;
    this.inFlight.set(ref, p);
    if (debugData.enabled) debugData('%s → %s %o', session.name, p.name, p.attributes);
    else debug('%s → %s ref %d', session.name, p.name, ref);
    try {
      session.send(p.descriptor.type, { ReferenceID: ref, ...p.attributes });
    } catch (err) {
      this.inFlight.delete(ref);
      p.reject(err);
    }
  }

  private flushQueue(): void {
    if (this.queue.length === 0) return;
    const queued = this.queue;
    this.queue = [];
    for (const p of queued) this.dispatch(p);
  }

  private answerFor(session: ServerSession, name: string, attrs: Record<string, unknown>): PendingRequest | undefined {
    const ref = attrs.ReferenceID;
    if (typeof ref !== 'number') return undefined;
    const p = this.inFlight.get(ref);
    if (!p || p.session !== session) return undefined;
    return isAnsweringEvent(p.descriptor, name, attrs, p.attributes) ? p : undefined;
  }

  /** Settles an answer that arrives on a non-active session (standby replay). */
  private settleAnswer(session: ServerSession, name: string, attrs: Record<string, unknown>): void {
    const p = this.answerFor(session, name, attrs);
    if (p) this.settle(p, this.toEvent(session, name, { type: 0, name, attributes: attrs, unknownAttributes: undefined, byteLength: 0 }));
  }

  private settle(p: PendingRequest, event: Record<string, unknown> | undefined, err?: Error): void {
    this.inFlight.delete(p.referenceId);
    if (err) {
      p.reject(err);
      return;
    }
    const e = event!;
    if (e.Event === 'EventError') {
      // A registration that raced a link drop goes back to wait for the link.
      if (p.waitsForLink && e.ErrorCode === 53 && !p.settled) {
        p.session = undefined;
        p.referenceId = 0;
        this.queue.push(p);
        return;
      }
      p.reject(new TServerError(e as { ErrorCode: number; ErrorMessage?: string }, p.info()));
      return;
    }
    this.learnFromAnswer(p, e);
    p.resolve(e);
  }

  /**
   * The ledger remembers what the user asked the server to remember, and the standby session is
   * told the same (registrations and the mask live on both servers of the pair).
   */
  private learnFromAnswer(p: PendingRequest, e: Record<string, unknown>): void {
    if (p.target !== undefined && p.target !== this.active) return;
    const a = p.attributes;
    switch (p.name) {
      case 'RequestRegisterAddress':
        this.ledger.registered(a.ThisDN as string, { RegisterMode: a.RegisterMode, AddressType: a.AddressType } as DNRegistration);
        if (!p.internal) this.mirrorOnStandby(p);
        break;
      case 'RequestUnregisterAddress':
        this.ledger.unregistered(a.ThisDN as string);
        if (!p.internal) this.mirrorOnStandby(p);
        break;
      case 'RequestSetInputMask':
        this.ledger.inputMask = a.InputMask as Uint8Array;
        if (!p.internal) this.mirrorOnStandby(p);
        break;
      case 'RequestTransactionMonitoring':
        if (p.internal) break;
        if (a.SubscriptionOperation === 1 && typeof e.SubscriptionID === 'number') {
          this.ledger.subscriptions.set(e.SubscriptionID, {
            TransactionType: a.TransactionType as number | undefined,
            Extensions: a.Extensions as KVListInput | undefined,
            serverId: e.SubscriptionID,
          });
        } else if (a.SubscriptionOperation === 2 && typeof p.userSubscriptionId === 'number') {
          this.ledger.subscriptions.delete(p.userSubscriptionId);
        }
        break;
    }
  }

  private mirrorOnStandby(p: PendingRequest): void {
    const standby = this.standby;
    if (!standby?.isOpen) return;
    const m = this.createRequest(p.name as RequestName, p.attributes, {}, { internal: true, deliverAnswer: false, target: standby });
    m.promise.catch((err) => debug('%s: standby copy of %s failed: %s', standby.name, p.name, (err as Error).message));
    this.dispatch(m);
  }

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
      return Promise.reject(new InvalidArgumentError(`timeoutMs must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${String(options.timeoutMs)}`));
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (this.status === 'closed' || this.status === 'closing') {
      return Promise.reject(new ConnectionClosedError(`${name} refused: the connection is ${this.status}`));
    }
    const offline = !this.active?.isOpen;
    if (offline) {
      const limit = this.options.offlineQueueLimit;
      if (limit === false) return Promise.reject(new NotConnectedError(`${name} refused: no server is available and offlineQueue is off`));
      const waiting = this.queue.reduce((n, p) => n + (p.internal ? 0 : 1), 0);
      if (waiting >= limit) return Promise.reject(new OfflineQueueFullError(limit, name));
    }
    const attributes = normalizeArgs(args as Record<string, unknown> | undefined);
    // Users keep the SubscriptionID they were given; the server may know it by another since a replay.
    let userSubscriptionId: number | undefined;
    if (name === 'RequestTransactionMonitoring' && typeof attributes.SubscriptionID === 'number') {
      userSubscriptionId = attributes.SubscriptionID;
      const rec = this.ledger.subscriptions.get(userSubscriptionId);
      if (rec) attributes.SubscriptionID = rec.serverId;
    }
    const p = this.createRequest(name, attributes, options, { internal: false, deliverAnswer: true, target: undefined });
    p.userSubscriptionId = userSubscriptionId;
    this.dispatch(p);
    return p.promise as Promise<AnswerOf<N>>;
  }

  // ------------------------------------------------------------------ delivery

  /**
   * Async iteration over every event users may see; ends on close() or when `signal` aborts.
   * Events are buffered while the loop body runs.
   */
  events(options: EventsIteratorOptions = {}): AsyncIterableIterator<TEvent> {
    return pushIterator<TEvent>(
      (push) => {
        this.on('event', push);
        return () => this.off('event', push);
      },
      { signal: options.signal, enders: this.iterators },
    );
  }

  private deliver(event: Record<string, unknown>): void {
    if (this.held && event.Event !== 'EventServerDisconnected') {
      this.held.push(event);
      return;
    }
    this.ledger.learn(event);
    if (debugData.enabled) debugData('event %o', event);
    this.safeEmit(event.Event as ConnectionEventName, event as never);
    this.safeEmit('event', event as unknown as TEvent);
  }

  private warn(w: ProtocolWarning): void {
    debug('protocol warning %s: %s', w.code, w.detail);
    this.safeEmit('protocolWarning', w);
  }

  /**
   * Emits with each listener in its own try/catch: a listener that throws is reported as a
   * HandlerError and the others (events() iterators included) still get the event. Walks
   * eventemitter3's listener list the way its own emit() does (once-listeners removed first).
   */
  private safeEmit<K extends ConnectionEventName>(name: K, ...args: Parameters<TServerConnectionEvents[K]>): void;
  private safeEmit(name: string, arg?: unknown): void {
    // Every event of this class has at most one argument: no rest array, no apply().
    const events = (this as unknown as { _events: Record<string, EE3Listener | EE3Listener[] | undefined> })._events;
    const entry = events[EventEmitter.prefixed ? `${String(EventEmitter.prefixed)}${name}` : name];
    if (entry === undefined) return;
    if (!Array.isArray(entry)) {
      this.callListener(name, entry, arg);
      return;
    }
    // addListener pushes onto this array: take its length now, as emit() does.
    const n = entry.length;
    for (let i = 0; i < n; i++) this.callListener(name, entry[i], arg);
  }

  private callListener(name: string, l: EE3Listener, arg: unknown): void {
    if (l.once) this.removeListener(name as never, l.fn as never, undefined, true);
    try {
      l.fn.call(l.context, arg);
    } catch (err) {
      this.reportHandlerError(name, err);
    }
  }

  private reportHandlerError(name: string, err: unknown): void {
    const handlerError = new HandlerError(name, err);
    if (name !== 'error' && this.listenerCount('error') > 0) {
      this.safeEmit('error', handlerError);
      return;
    }
    process.emitWarning(handlerError.message, { code: handlerError.code, detail: String((err as Error)?.stack ?? err) });
  }

}

/**
 * The link event to show around EventPrimaryChanged: the one the new primary sent while it was the
 * standby if there is one, else a fresh one (never the stale answer to its RequestRegisterClient).
 */
interface EE3Listener {
  fn: (...args: unknown[]) => void;
  context: unknown;
  once: boolean;
}

/** A session that lived less than this was "young": the next dial to its server backs off. */
const STABLE_SESSION_MS = 2_000;

function switchoverLink(session: ServerSession, up: boolean): DecodedMessage {
  const name = up ? 'EventLinkConnected' : 'EventLinkDisconnected';
  const last = session.lastLinkEvent;
  if (last && last.name === name && last.attributes.ReferenceID === undefined) return last;
  return {
    type: up ? 95 : 94,
    name,
    attributes: { time: nowTime() },
    unknownAttributes: undefined,
    byteLength: 0,
  };
}

/** Plain-object kvlists become lists; undefined attributes are dropped. */
function normalizeArgs(args: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!args) return out;
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined) continue;
    out[k] = (k === 'UserData' || k === 'Extensions' || k === 'Reasons') && !Array.isArray(v) && !(v instanceof Uint8Array) ? toKVList(v as KVListInput) : v;
  }
  return out;
}
