/**
 * TServerConnection: what users hold. Owns at most two ServerSessions (active and standby) and
 * decides failover between the hot-standby pair; the rest is delegated:
 *   - RequestRouter (router.ts): requests, ReferenceIDs, waiting queues, the one deadline timer;
 *   - EventGate (gate.ts): every message from a server, in order, before users see it;
 *   - LedgerReplay (replay.ts): the ledger replayed on new sessions and mirrored on the standby;
 *   - Resync (resync.ts): the windowed resync after EventPrimaryChanged or a reconnect;
 *   - IsolatingEmitter (emitter.ts): emission with each listener isolated.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import createDebug from 'debug';
import pRetry from 'p-retry';
import type { DecodedMessage } from '../codec/index.js';
import {
  BackupAddressRefusedError,
  ConnectError,
  ConnectionClosedError,
  InvalidArgumentError,
  NotConnectedError,
  OfflineQueueFullError,
  ProtocolError,
  type TlibError,
} from '../errors.js';
import { type KVList, ServerRole } from '../protocol/attributes.js';
import type { RequestName } from '../protocol/messages.js';
import type { AnswerOf, RequestArgs, TEvent } from '../protocol/types.js';
import { validateRequestArgs } from '../protocol/validate.js';
import { kvGet } from '../protocol/values.js';
import type { Endpoint } from '../transport/index.js';
import { pushIterator } from '../util/push-iterator.js';
import { publishDiagnostics } from './diagnostics.js';
import { IsolatingEmitter } from './emitter.js';
import { EventGate, switchoverLink, type GateSession } from './gate.js';
import { inputMaskOf } from './helpers.js';
import { Ledger } from './ledger.js';
import { DEFAULTS, MAX_TIMER_MS, endpointName, isTimerDelay, isValidHost, isValidPort, resolveOptions, type ResolvedOptions, type TServerConnectionOptions } from './options.js';
import { LedgerReplay, normalizeArgs } from './replay.js';
import type { RequestOptions } from './requests.js';
import { Resync } from './resync.js';
import { RequestRouter } from './router.js';
import { ServerSession } from './session.js';
import type { ConnectionState, ConnectionStatus, EventsIteratorOptions, ResyncSummary, TServerConnectionEvents } from './types.js';

export { inputMaskOf };
export type { ConnectionState, ConnectionStatus, EventsIteratorOptions, ProtocolWarning, ResyncSummary, TServerConnectionEvents } from './types.js';

const debug = createDebug('tlib:connection');

/** A session that lived less than this was "young": the next dial to its server backs off. */
const STABLE_SESSION_MS = 2_000;

export class TServerConnection extends IsolatingEmitter {
  readonly options: ResolvedOptions;
  private status: ConnectionStatus = 'closed';
  private active: ServerSession | undefined;
  private standby: ServerSession | undefined;
  private backupEndpoint: Endpoint | undefined;
  private readonly ledger = new Ledger();
  private readonly router: RequestRouter;
  /** The ReferenceID allocator (tests seed it to check wrapping). */
  private readonly refs: RequestRouter['refs'];
  private readonly gate: EventGate;
  private readonly replays: LedgerReplay;
  private readonly resync: Resync;
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
  private iterators = new Set<() => void>();

  constructor(options: TServerConnectionOptions) {
    super();
    const conn = this; // for the gate's getters
    this.options = resolveOptions(options);
    this.backupEndpoint = this.options.backup;
    this.router = new RequestRouter({
      owner: this,
      requestTimeoutMs: this.options.requestTimeoutMs,
      maxInFlight: this.options.maxInFlight,
      // User requests wait while a new active session replays the ledger; the SDK's own go.
      route: (internal) => (internal || !this.gate.holding ? this.active : undefined),
      answered: (p, e) => this.replays.learnFromAnswer(p, e, this.active, this.standby),
    });
    this.refs = this.router.refs;
    this.replays = new LedgerReplay(this.router, this.ledger);
    this.gate = new EventGate(
      {
        get active() {
          return conn.active;
        },
        get closing() {
          return conn.lifetime.signal.aborted;
        },
        restoreConnection: (s, attrs) => this.onRestoreConnection(s as ServerSession, attrs),
        primaryChanged: (s, m, fromStandby) => this.onPrimaryChangedMessage(s as ServerSession, m, fromStandby),
        linkShownUp: (s) => this.onLinkShownUp(s as ServerSession),
      },
      this.router,
      this.ledger,
      { emit: (name, arg) => this.emitOne(name, arg), reportError: (err) => this.reportError(err) },
      this.options.validation,
    );
    this.resync = new Resync({ owner: this, router: this.router, ledger: this.ledger, window: this.options.resyncWindow, done: (summary) => this.emitOne('resynced', summary) });
  }

  // ------------------------------------------------------------------ lifecycle

  /** Opens a session to the primary (or, failing that, the backup). Resolves once one is open. */
  async open(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.status !== 'closed') throw new InvalidArgumentError(`open() called while ${this.status}`);
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
    this.router.rejectAll(err);
    this.gate.dropHeld();
    this.resync.cancel();
    await Promise.allSettled([...this.loops]);
    this.gate.reset();
    this.setStatus('closed');
    for (const end of [...this.iterators]) end();
    this.emitOne('close');
  }

  get state(): ConnectionState {
    return {
      status: this.status,
      active: this.active?.name,
      standby: this.standby?.isOpen ? this.standby.name : undefined,
      primaryEndpoint: this.options.primary.name,
      backupEndpoint: this.backupEndpoint?.name,
      linkUp: this.gate.linkShown,
      resyncing: this.resync.running,
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

  /** Calls known on registered DNs (ConnIDs), as the resync will query them. */
  get knownCalls(): string[] {
    return [...this.ledger.calls.keys()];
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    debug('status %s', status);
    this.emitOne('stateChange', this.state);
  }

  private endpoints(): Endpoint[] {
    const list = [this.options.primary];
    if (this.backupEndpoint && this.backupEndpoint.name !== this.options.primary.name) list.push(this.backupEndpoint);
    return list;
  }

  private async connectSession(endpoint: Endpoint, signal: AbortSignal): Promise<ServerSession> {
    const session = new ServerSession(endpoint, this.options);
    session.on('message', (m, s) => this.gate.onMessage(m, s));
    session.on('lost', (reason, s) => this.onSessionLost(s, reason));
    const ref = this.router.reserveReferenceId();
    try {
      await session.open(ref, signal); // the session notes the link status its answer gives
      return session;
    } catch (err) {
      session.close();
      throw err;
    } finally {
      this.router.releaseReferenceId(ref);
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
    this.gate.hold();
    session.release();
    publishDiagnostics('tlib:session:open', { connection: this, server: session.name, role: 'active' });
    if (this.everOpened) publishDiagnostics('tlib:failover', { connection: this, from: undefined, to: session.name, cause: 'reconnect' });
    const replay = this.replays.replay(session, true);
    // Registrations wait for the link: do not hold the announcement on them while it is down.
    await Promise.allSettled((session.linkUp ? replay : replay.filter((p) => p.name !== 'RequestRegisterAddress')).map((p) => p.promise));
    if (this.active !== session || this.lifetime.signal.aborted) return;
    this.setStatus('open');
    // Announced first, then what arrived during the replay, then queued requests.
    this.gate.release(() => this.gate.announce(session, session.lastLinkEvent));
    this.router.flush();
    // After a reconnect (not the first open) calls and agents may have moved while we were away.
    if (this.everOpened && this.options.resyncOnReconnect) this.resyncWhenLinkUp(session);
    this.everOpened = true;
    this.restoreRedundancy();
  }

  private resyncWhenLinkUp(session: ServerSession): void {
    if (this.ledger.dns.size === 0 && this.ledger.calls.size === 0) return;
    if (session.linkUp) this.startResync(session);
    else this.resync.pending = true;
  }

  private startResync(session: ServerSession): void {
    this.resync.start(session.name);
  }

  /** Users now see the link up on the active session: queued requests go, a pending resync starts. */
  private onLinkShownUp(session: ServerSession): void {
    this.router.flush();
    if (this.resync.pending) this.startResync(session);
  }

  /**
   * The client is back on the server that was primary all along (it had moved to the backup after
   * losing it, or a backup pointed it there): no EventPrimaryChanged will come, so announce the
   * server again and resync.
   */
  private returnToPrimary(session: ServerSession): void {
    this.promote(session, 'returnToPrimary');
    this.gate.announce(session, switchoverLink(session, session.linkUp));
    this.replays.subscriptions(session);
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
    publishDiagnostics('tlib:session:lost', { connection: this, server: session.name, reason });
    if (session.announced) this.gate.deliver({ Event: 'EventServerDisconnected', Server: session.name });
    if (reason instanceof ProtocolError) {
      this.gate.warn({ code: reason.code, server: session.name, event: undefined, detail: reason.message });
    }
    if (wasActive) {
      this.gate.dropHeld();
      if (this.standby?.isOpen) {
        // Hot standby: switch at once; the new primary's EventPrimaryChanged will follow.
        this.promote(this.standby, 'lost', session.name);
      } else {
        this.router.requeueFrom(session, 'the connection was lost');
        this.setStatus('reconnecting');
        this.ensureActive(this.backoffAfterYoungLosses(session.endpoint.name));
        return;
      }
    }
    this.router.requeueFrom(session, 'the connection was lost');
    // Restore redundancy in the background.
    this.ensureStandby(session.endpoint);
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
              this.emitOne('reconnectFailed', { server: dialled.name, attempt: attemptNumber, error });
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
    this.replays.replay(session, false);
    publishDiagnostics('tlib:session:open', { connection: this, server: session.name, role: 'standby' });
    debug('%s: standby session open', session.name);
    this.emitOne('stateChange', this.state);
  }

  /**
   * Makes `session` active. The old active, if still up, becomes the standby. Requests in flight on
   * the old one follow the rules: idempotent re-sent here, others interrupted.
   */
  private promote(session: ServerSession, why: 'lost' | 'primaryChanged' | 'roleBackup' | 'returnToPrimary', from = this.active?.name): void {
    const old = this.active;
    if (old === session) return;
    debug('promote %s (%s), old active %s', session.name, why, old?.name ?? 'none');
    if (this.standby === session) this.standby = undefined;
    this.active = session;
    session.announced = true;
    publishDiagnostics('tlib:failover', { connection: this, from, to: session.name, cause: why });
    // An adoption replaying the ledger on the old active will bail out: its hold ends here (its
    // events are delivered, and waiting requests may go).
    this.gate.release();
    if (old && old.isOpen) {
      if (this.standby && this.standby !== old) this.standby.close();
      this.standby = old;
      this.router.requeueFrom(old, 'the servers switched over');
    }
    // One 'stateChange': setStatus() emits it when the status itself changes.
    if (this.status === 'open') this.emitOne('stateChange', this.state);
    else this.setStatus('open');
    this.router.flush();
  }

  /**
   * Records a server's own latest role claim — one socket keeps its order, so the newest message
   * of a session is its truth — and says whether to act on it (not when another server has since
   * announced something newer: the switchover race of the seed).
   */
  private claimRole(session: ServerSession, role: 'primary' | 'backup', seq: unknown): boolean {
    session.role = role;
    return !this.gate.staleRole(seq);
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
      this.gate.warn({ code: 'ERR_BAD_VALUE', server: session.name, event: 'EventRestoreConnection', attribute: 'ServerRole', detail: `ServerRole ${String(role)} is neither 0 nor 1` });
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
      this.gate.warn({ code: err.code, server: session.name, event: 'EventRestoreConnection', attribute: hostKey, detail: err.message });
      return undefined;
    }
    return { host: host as string, port: port as number, name: endpointName(host as string, port as number) };
  }

  /** EventPrimaryChanged out of the gate: acted upon unless older than a role message already acted upon. */
  private onPrimaryChangedMessage(session: ServerSession, m: DecodedMessage, fromStandby: boolean): void {
    if (this.claimRole(session, 'primary', m.attributes.EventSequenceNumber)) this.onPrimaryChanged(session, m);
    else if (fromStandby) this.reconcileRoles();
  }

  /**
   * Delivers EventPrimaryChanged from the (now active) new primary with the link events the seed
   * puts around it, then resyncs (or waits for the link to come up).
   */
  private onPrimaryChanged(session: ServerSession, m: DecodedMessage): void {
    if (this.active !== session) this.promote(session, 'primaryChanged');
    this.gate.announcePrimaryChanged(session, m);
    this.replays.subscriptions(session);
    if (session.linkUp) this.startResync(session);
    else this.resync.pending = true;
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
      return Promise.reject(new InvalidArgumentError(`timeoutMs must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${String(options.timeoutMs)}`));
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (this.status === 'closed') return Promise.reject(new ConnectionClosedError(`${name} refused: the connection is not open — call open() first`));
    if (this.status === 'closing') return Promise.reject(new ConnectionClosedError(`${name} refused: the connection is closing`));
    const queueLimit = this.options.offlineQueueLimit;
    if (queueLimit === false && !this.active?.isOpen) {
      return Promise.reject(new NotConnectedError(`${name} refused: no server is available and offlineQueue is off`));
    }
    // Every user request that would wait counts: offline, behind the CTI link, or past maxInFlight.
    const limit = queueLimit === false ? DEFAULTS.offlineQueueLimit : queueLimit;
    if (this.router.userQueued >= limit && this.router.wouldWait(name)) return Promise.reject(new OfflineQueueFullError(limit, name));
    const attributes = normalizeArgs(args as Record<string, unknown> | undefined);
    // Users keep the SubscriptionID they were given; the server may know it by another since a replay.
    let userSubscriptionId: number | undefined;
    if (name === 'RequestTransactionMonitoring' && typeof attributes.SubscriptionID === 'number') {
      userSubscriptionId = attributes.SubscriptionID;
      const rec = this.ledger.subscriptions.get(userSubscriptionId);
      if (rec) attributes.SubscriptionID = rec.serverId;
    }
    const p = this.router.create(name, attributes, options, { internal: false, deliverAnswer: true, target: undefined, userSubscriptionId });
    this.router.submit(p);
    return p.promise as Promise<AnswerOf<N>>;
  }

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
}
