/**
 * The pair driver: the one place where the pair's decisions (pair-machine.ts, pure) meet sockets
 * and timers. What happens (a dial opened or failed, a session was lost, a server claimed a role)
 * becomes an input to the reducer; the effects it returns are executed here, in order. Inputs that
 * arrive while effects run (a listener calling close(), a released message that claims a role) wait
 * their turn: every input is handled to completion before the next (run to completion).
 * Seams (seams.ts): sessions come from `sessionFactory` and time from `clock`.
 */
import createDebug from 'debug';
import type { DecodedMessage } from '../codec/index.js';
import {
  ConnectError,
  ConnectionClosedError,
  HoldOverflowError,
  InvalidStateError,
  NotConnectedError,
  ProtocolError,
  WriteBufferFullError,
  type TlibError,
} from '../errors.js';
import { type KVList, ServerRole } from '../protocol/attributes.js';
import type { Endpoint } from '../transport/index.js';
import { publishDiagnostics } from './diagnostics.js';
import { switchoverLink, type EventGate } from './gate.js';
import type { Ledger } from './ledger.js';
import { acceptAddress } from './accept-address.js';
import { guardedRetryStrategy, type ResolvedOptions } from './options.js';
import { assertPairInvariants } from './pair-invariants.js';
import {
  initialPairState,
  pairEndpoints,
  reducePair,
  sessionById,
  type PairEffect,
  type PairInput,
  type PairRole,
  type PairState,
} from './pair-machine.js';
import type { LedgerReplay } from './replay.js';
import type { Resync } from './resync.js';
import type { RequestRouter } from './router.js';
import { ServerSession } from './session.js';
import type { ConnectionInternals, PairDriverSession, SessionFactory } from './seams.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { StatusStream } from './status-stream.js';
import type { ConnectionState, ConnectionStatus } from './types.js';

const debug = createDebug('tlib:connection');

/** A session that lived less than this was "young": the next dial to its server backs off. */
const STABLE_SESSION_MS = 2_000;

/** Checked after every transition under test, or with TLIB_ASSERT=1. */
const ASSERT = process.env.VITEST !== undefined || process.env.TLIB_ASSERT === '1';

export interface PairDriverHost {
  readonly owner: object;
  readonly options: ResolvedOptions;
  readonly gate: EventGate;
  readonly router: RequestRouter;
  readonly replays: LedgerReplay;
  readonly resync: Resync;
  readonly ledger: Ledger;
  readonly statusStream: StatusStream;
  emit(name: string, arg?: unknown): void;
  snapshot(): ConnectionState;
  reportError(err: TlibError): void;
  reportHandlerError(name: string, err: unknown): void;
  /** Every iterator ends (close). */
  endIterators(): void;
}

export class PairDriver {
  private state: PairState;
  active: PairDriverSession | undefined;
  standby: PairDriverSession | undefined;
  private readonly sessions = new Map<number, PairDriverSession>();
  private readonly openedAt = new Map<number, number>();
  private readonly dialAborts = new Map<number, AbortController>();
  /** Aborts every dial and timer when the connection shuts down. */
  private lifetime = new AbortController();
  /** Every async task still running (dials, replays), so shutdown can wait for all of them. */
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly inputs: PairInput[] = [];
  private running = false;
  private waiter: { resolve: () => void; reject: (err: unknown) => void; signal: AbortSignal | undefined; errors: Error[] } | undefined;
  private closedWaiters: Array<() => void> = [];
  private readonly factory: SessionFactory;
  readonly clock: Clock;

  constructor(
    private readonly host: PairDriverHost,
    internals: ConnectionInternals = {},
  ) {
    const o = host.options;
    this.factory = internals.sessionFactory ?? ((endpoint, options, clock) => new ServerSession(endpoint, options, clock));
    this.clock = internals.clock ?? systemClock;
    this.state = initialPairState({
      primary: o.primary,
      backup: o.backup,
      reconnect: o.reconnect !== false,
      resyncOnReconnect: o.resyncOnReconnect,
      retryDelay: guardedRetryStrategy(o.retryStrategy, host),
    });
  }

  get status(): ConnectionStatus {
    return this.state.status;
  }
  get backupEndpoint(): Endpoint | undefined {
    return this.state.backup;
  }
  get closing(): boolean {
    return this.lifetime.signal.aborted;
  }

  // ------------------------------------------------------------------ lifecycle

  async open(signal: AbortSignal | undefined): Promise<void> {
    if (this.state.kind !== 'closed')
      throw new InvalidStateError(
        `open() called while ${this.state.status}: close() it first, or use a new TServerConnection`,
        this.state.status,
      );
    this.lifetime = new AbortController();
    const done = new Promise<void>((resolve, reject) => (this.waiter = { resolve, reject, signal, errors: [] }));
    this.dispatch({ kind: 'open' });
    return done;
  }

  async close(): Promise<void> {
    if (this.state.kind === 'closed') return;
    const closed = new Promise<void>((resolve) => this.closedWaiters.push(resolve));
    this.dispatch({ kind: 'close', reason: new ConnectionClosedError() });
    return closed;
  }

  // ------------------------------------------------------------------ inputs

  private dispatch(input: PairInput): void {
    this.inputs.push(input);
    if (this.running) return;
    this.running = true;
    try {
      for (let input = this.inputs.shift(); input; input = this.inputs.shift()) {
        try {
          this.step(input);
        } catch (err) {
          // A bug here must not take the application down (it is reported); under test it fails loudly.
          if (ASSERT) {
            this.inputs.length = 0;
            throw err;
          }
          process.emitWarning(`tlib-client: the pair driver failed on ${input.kind}: ${(err as Error).message}`, {
            code: 'ERR_TLIB_INTERNAL',
            detail: String((err as Error).stack),
          });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private step(input: PairInput): void {
    const [next, effects] = reducePair(this.state, input);
    if (ASSERT) assertPairInvariants(next);
    this.state = next;
    this.active = next.active && this.sessions.get(next.active.id);
    this.standby = next.standby && this.sessions.get(next.standby.id);
    // One effect that fails must not skip the others (the state already says they happened).
    for (const e of effects) {
      try {
        this.execute(e);
      } catch (err) {
        if (ASSERT) throw err;
        process.emitWarning(`tlib-client: the pair driver failed on ${input.kind} → ${e.kind}: ${(err as Error).message}`, {
          code: 'ERR_TLIB_INTERNAL',
          detail: String((err as Error).stack),
        });
      }
    }
    if (input.kind === 'sessionLost') this.forget(input.session);
  }

  private forget(id: number): void {
    this.sessions.delete(id);
    this.openedAt.delete(id);
  }

  private onSessionLost(session: PairDriverSession, reason: TlibError): void {
    session.removeAllListeners();
    if (!this.sessions.has(session.id) || this.closing) return;
    publishDiagnostics('tlib:session:lost', { connection: this.host.owner, server: session.name, reason });
    const young = this.clock.now() - (this.openedAt.get(session.id) ?? 0) < STABLE_SESSION_MS;
    // An announced loss warns after its EventServerDisconnected (announceDisconnected).
    if (!sessionById(this.state, session.id)?.announced) this.warnProtocol(session, reason);
    this.dispatch({ kind: 'sessionLost', session: session.id, young, reason });
  }

  /** EventRestoreConnection out of the gate: the role, and the address it names if acceptable. */
  restoreConnection(session: PairDriverSession, attrs: Record<string, unknown>): void {
    const raw = attrs.ServerRole;
    const role: PairRole | undefined = raw === ServerRole.Primary ? 'primary' : raw === ServerRole.Backup ? 'backup' : undefined;
    const seq = typeof attrs.EventSequenceNumber === 'number' ? attrs.EventSequenceNumber : undefined;
    // A stale claim names nothing worth checking (and is not acted upon).
    const stale = role !== undefined && seq !== undefined && seq < this.state.roleSeq;
    let named: Endpoint | undefined;
    if (!stale && role !== undefined) {
      const data = Array.isArray(attrs.UserData) ? (attrs.UserData as KVList) : undefined;
      const [hostKey, portKey] = role === 'primary' ? ['BackupHost', 'BackupPort'] : ['PrimaryHost', 'PrimaryPort'];
      named = acceptAddress(session.name, data, hostKey, portKey, this.host.options, this.host);
    }
    if (role === undefined) {
      this.host.gate.warn({
        code: 'ERR_BAD_VALUE',
        server: session.name,
        event: 'EventRestoreConnection',
        attribute: 'ServerRole',
        detail: `ServerRole ${String(raw)} is neither 0 nor 1`,
      });
    }
    this.dispatch({ kind: 'restoreConnection', session: session.id, role, seq, named });
  }

  /** EventPrimaryChanged out of the gate (from the standby: at the end of the I/O phase). */
  primaryChanged(session: PairDriverSession, m: DecodedMessage): void {
    const seq = m.attributes.EventSequenceNumber;
    this.dispatch({ kind: 'primaryChanged', session: session.id, seq: typeof seq === 'number' ? seq : undefined, message: m });
  }

  /** A new ServerStartTime: sequence numbers (and so role messages) start a new series. */
  newEpoch(): void {
    this.dispatch({ kind: 'newEpoch' });
  }

  /** Users now see the link up on the active session: queued requests go, a pending resync starts. */
  linkShownUp(session: PairDriverSession): void {
    this.host.router.flush();
    if (this.host.resync.pending) this.startResync(session);
  }

  // ------------------------------------------------------------------ effects

  private execute(e: PairEffect): void {
    const { gate, router, replays } = this.host;
    switch (e.kind) {
      case 'dial':
        return this.dial(e.dialId, e.endpoint, e.purpose === 'open', e.delayMs);
      case 'cancelDial':
        this.dialAborts.get(e.dialId)?.abort(new ConnectError('cancelled', 'dial cancelled'));
        this.dialAborts.delete(e.dialId);
        return;
      case 'adoptActive':
        return this.adoptActive(this.session(e.session));
      case 'adoptStandby': {
        const s = this.session(e.session);
        // The ledger first: whatever the held messages do, the standby gets the user's DNs.
        replays.replay(s, false);
        s.release();
        publishDiagnostics('tlib:session:open', { connection: this.host.owner, server: s.name, role: 'standby' });
        debug('%s: standby session open', s.name);
        return;
      }
      case 'endHold':
        return e.deliver ? gate.release() : gate.dropHeld();
      case 'promote': {
        const s = this.session(e.session);
        const from = e.from === undefined ? undefined : this.sessions.get(e.from)?.name;
        debug('promote %s (%s), old active %s', s.name, e.why, from ?? 'none');
        publishDiagnostics('tlib:failover', { connection: this.host.owner, from, to: s.name, cause: e.why });
        this.host.statusStream.push({ type: 'failover', from, to: s.name, cause: e.why });
        return;
      }
      case 'requeue':
        return router.requeueFrom(this.session(e.session), e.why);
      case 'closeSession':
        debug('session %d closed: %s', e.session, e.why);
        this.sessions.get(e.session)?.close();
        this.forget(e.session);
        return;
      case 'announceDisconnected': {
        const s = this.session(e.session);
        gate.deliver({ Event: 'EventServerDisconnected', Server: s.name });
        this.host.statusStream.push({ type: 'disconnect', server: s.name });
        // After EventServerDisconnected: why it was dropped, when its input broke the protocol.
        this.warnProtocol(s, e.reason);
        return;
      }
      case 'announceConnected': {
        const s = this.session(e.session);
        // Announced first, then what arrived during the replay.
        gate.release(() => gate.announce(s, s.lastLinkEvent));
        return;
      }
      case 'returnToPrimary': {
        const s = this.session(e.session);
        gate.announce(s, switchoverLink(s, s.linkUp));
        replays.subscriptions(s);
        this.resyncWhenLinkUp(s);
        return;
      }
      case 'announcePrimaryChanged': {
        const s = this.session(e.session);
        gate.announcePrimaryChanged(s, e.message as DecodedMessage);
        replays.subscriptions(s);
        if (s.linkUp) this.startResync(s);
        else this.host.resync.pending = true;
        return;
      }
      case 'resync':
        return this.resyncWhenLinkUp(this.session(e.session));
      case 'flush':
        return router.flush();
      case 'status':
        debug('status %s', e.status);
        this.host.emit('stateChange', this.host.snapshot());
        if (e.status !== 'closing') this.host.statusStream.push({ type: e.status });
        return;
      case 'stateChanged':
        return this.host.emit('stateChange', this.host.snapshot());
      case 'reconnectFailed':
        debug('reconnect attempt %d to %s failed: %s', e.attempt, e.endpoint.name, e.error.message);
        this.host.emit('reconnectFailed', { server: e.endpoint.name, attempt: e.attempt, error: e.error });
        this.host.statusStream.push({ type: 'reconnecting', server: e.endpoint.name, attempt: e.attempt, error: e.error });
        return;
      case 'opened':
        this.waiter?.resolve();
        this.waiter = undefined;
        return;
      case 'openFailed':
        return this.openFailed();
      case 'shutdown':
        return this.shutdown(
          e.why === 'close'
            ? e.error
            : new NotConnectedError(
                e.why === 'reconnectOff' ? 'connection lost and reconnect is off' : `reconnect gave up: ${e.error.message}`,
              ),
        );
    }
  }

  private warnProtocol(session: PairDriverSession, reason: Error | undefined): void {
    // A server that stopped reading is reported too: the drop must not look like a plain loss.
    if (reason instanceof ProtocolError || reason instanceof WriteBufferFullError || reason instanceof HoldOverflowError)
      this.host.gate.warn({ code: reason.code, server: session.name, event: undefined, detail: reason.message });
  }

  private session(id: number): PairDriverSession {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`pair driver: no session ${id}`);
    return s;
  }

  private track(task: Promise<unknown>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  /** One attempt, after `delayMs`: its outcome comes back as dialOpened or dialFailed. */
  private dial(dialId: number, endpoint: Endpoint, forOpen: boolean, delayMs: number): void {
    const cancel = new AbortController();
    this.dialAborts.set(dialId, cancel);
    const userSignal = forOpen ? this.waiter?.signal : undefined;
    const signal = AbortSignal.any([this.lifetime.signal, cancel.signal, ...(userSignal ? [userSignal] : [])]);
    const task = (async () => {
      try {
        if (delayMs > 0) {
          debug('dial %s waits %d ms', endpoint.name, delayMs);
          await this.sleep(delayMs, signal);
        }
        const session = await this.connectSession(endpoint, signal);
        this.dialAborts.delete(dialId);
        this.sessions.set(session.id, session);
        this.openedAt.set(session.id, this.clock.now());
        this.dispatch({ kind: 'dialOpened', dialId, session: session.id });
      } catch (err) {
        this.dialAborts.delete(dialId);
        if (cancel.signal.aborted || this.closing) return;
        if (forOpen) this.waiter?.errors.push(err as Error);
        debug('dial %s failed: %s', endpoint.name, (err as Error).message);
        this.dispatch({ kind: 'dialFailed', dialId, error: err as Error, aborted: userSignal?.aborted === true });
      }
    })();
    this.track(task);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.clock.clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = this.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async connectSession(endpoint: Endpoint, signal: AbortSignal): Promise<PairDriverSession> {
    const session = this.factory(endpoint, this.host.options, this.clock);
    session.on('message', (m, s) => this.host.gate.onMessage(m, s));
    session.on('lost', (reason, s) => this.onSessionLost(s, reason));
    const ref = this.host.router.reserveReferenceId();
    try {
      await session.open(ref, signal); // the session notes the link status its answer gives
      return session;
    } catch (err) {
      session.close();
      throw err;
    } finally {
      this.host.router.releaseReferenceId(ref);
    }
  }

  /** Replays the ledger on the new active (events and user requests held), then reports 'replayed'. */
  private adoptActive(session: PairDriverSession): void {
    this.host.gate.hold();
    publishDiagnostics('tlib:session:open', { connection: this.host.owner, server: session.name, role: 'active' });
    if (this.state.everOpened)
      publishDiagnostics('tlib:failover', { connection: this.host.owner, from: undefined, to: session.name, cause: 'reconnect' });
    // The ledger first, then the messages that arrived while the session opened (the session noted
    // their link events already): whatever those messages do, the replay is under way.
    const replay = this.host.replays.replay(session, true);
    // Registrations wait for the link: do not hold the announcement on them while it is down.
    const awaited = session.linkUp ? replay : replay.filter((p) => p.name !== 'RequestRegisterAddress');
    this.track(Promise.allSettled(awaited.map((p) => p.promise)).then(() => this.dispatch({ kind: 'replayed', session: session.id })));
    session.release();
  }

  private resyncWhenLinkUp(session: PairDriverSession): void {
    const { ledger, resync } = this.host;
    if (ledger.dns.size === 0 && ledger.calls.size === 0) return;
    if (session.linkUp) this.startResync(session);
    else resync.pending = true;
  }

  private startResync(session: PairDriverSession): void {
    this.host.statusStream.push({ type: 'resync', server: session.name });
    this.host.resync.start(session.name);
  }

  private openFailed(): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (!w) return;
    if (w.signal?.aborted) return w.reject(w.signal.reason);
    if (w.errors.length === 1) return w.reject(w.errors[0]);
    // Each message already names its server.
    const names = pairEndpoints(this.state)
      .map((e) => e.name)
      .join(', ');
    w.reject(new ConnectError(names, `no server answered: ${w.errors.map((e) => e.message).join('; ')}`, w.errors));
  }

  /** Everything stops: dials, requests, the resync; then 'closed', iterators end, 'close' is emitted. */
  private shutdown(err: Error): void {
    this.lifetime.abort(err);
    for (const [id, s] of this.sessions) {
      s.close();
      this.forget(id);
    }
    this.dialAborts.clear();
    this.waiter?.reject(new ConnectionClosedError('closed while opening'));
    this.waiter = undefined;
    this.host.router.rejectAll(err);
    this.host.gate.dropHeld();
    this.host.resync.cancel();
    // Dials and replays were aborted above: they end before 'closed' (every timer and socket gone).
    void (async () => {
      await Promise.allSettled([...this.tasks]);
      this.host.gate.reset();
      this.dispatch({ kind: 'closed' });
      this.host.endIterators();
      this.host.emit('close');
      const waiters = this.closedWaiters;
      this.closedWaiters = [];
      for (const w of waiters) w();
    })();
  }
}
