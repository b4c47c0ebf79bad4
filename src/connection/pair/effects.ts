/**
 * The pair machine's effects as calls: each effect maps to one call on the gate, the router, the
 * replays, the resync, the dials or the status stream. No decision is taken here — the reducer
 * took them all; this is where they touch sockets and users. open()'s and close()'s promises are
 * settled here too (the `opened`, `openFailed` and `shutdown` effects).
 */
import createDebug from 'debug';
import type { DecodedMessage } from '../../codec/index.js';
import {
  ConnectError,
  ConnectionClosedError,
  HoldOverflowError,
  NotConnectedError,
  ProtocolError,
  type TlibError,
  WriteBufferFullError,
} from '../../errors.js';
import { publishDiagnostics } from '../diagnostics.js';
import { type EventGate, switchoverLink } from '../events/gate.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ResolvedOptions } from '../options.js';
import type { Dials } from './dials.js';
import type { PairEffect, PairInput } from './types.js';
import type { LedgerReplay } from '../ledger/replay.js';
import type { Resync } from '../ledger/resync.js';
import type { RequestRouter } from '../requests/router.js';
import type { PairDriverSession } from './seams.js';
import type { StatusStream } from '../events/status-stream.js';
import type { ConnectionState } from '../types.js';

const debug = createDebug('tlib:connection');

/** What the pair's effects act on: the connection's other modules, its events and status. */
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

/** What the effects need of the driver: its sessions, and a way back in. */
export interface EffectContext {
  session(id: number): PairDriverSession | undefined;
  forget(id: number): void;
  /** Every session, closed and forgotten (shutdown). */
  closeAll(): void;
  dispatch(input: PairInput): void;
  /** Hands on what `session` held once the current inputs are handled. */
  releaseLater(session: PairDriverSession): void;
}

export class PairEffects {
  private waiter: { resolve: () => void; reject: (err: unknown) => void; signal: AbortSignal | undefined } | undefined;
  private closedWaiters: Array<() => void> = [];

  constructor(
    private readonly host: PairDriverHost,
    private readonly dials: Dials,
    private readonly ctx: EffectContext,
  ) {}

  /** open()'s promise: settled by the `opened` / `openFailed` effects (or shutdown). */
  opening(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => (this.waiter = { resolve, reject, signal }));
  }

  /** close()'s promise: settled once everything has stopped. */
  closing(): Promise<void> {
    return new Promise<void>((resolve) => this.closedWaiters.push(resolve));
  }

  execute(e: PairEffect): void {
    const { gate, router, replays, statusStream } = this.host;
    switch (e.kind) {
      case 'dial':
        return this.dials.start(e.dialId, e.endpoint, e.delayMs, e.purpose === 'open' ? this.waiter?.signal : undefined);
      case 'cancelDial':
        return this.dials.cancel(e.dialId);
      case 'adoptActive':
        return this.adoptActive(this.session(e.session), e.afterReconnect);
      case 'adoptStandby':
        return this.adoptStandby(this.session(e.session));
      case 'endHold':
        return e.deliver ? gate.release() : gate.dropHeld();
      case 'promote':
        return this.promoted(this.session(e.session), e.from === undefined ? undefined : this.ctx.session(e.from)?.name, e.why);
      case 'requeue':
        return router.requeueFrom(this.session(e.session), e.why);
      case 'closeSession':
        debug('session %d closed: %s', e.session, e.why);
        this.ctx.session(e.session)?.close();
        return this.ctx.forget(e.session);
      case 'announceDisconnected':
        return this.announceDisconnected(this.session(e.session), e.reason);
      case 'announceConnected': {
        const s = this.session(e.session);
        return gate.release(() => gate.announce(s, s.lastLinkEvent)); // announced first, then what arrived during the replay
      }
      case 'announceReturn': {
        const s = this.session(e.session);
        return gate.announce(s, switchoverLink(s, e.linkUp));
      }
      case 'announcePrimaryChanged':
        return gate.announcePrimaryChanged(this.session(e.session), e.message as DecodedMessage, e);
      case 'showLink':
        return gate.deliverLink(this.session(e.session), e.message as DecodedMessage);
      case 'replaySubscriptions':
        return void replays.subscriptions(this.session(e.session));
      case 'resync': {
        const s = this.session(e.session);
        statusStream.push({ type: 'resync', server: s.name });
        return this.host.resync.start(s.name);
      }
      case 'cancelResync':
        return this.host.resync.cancel();
      case 'flush':
        return router.flush();
      case 'primaryConfirmed':
        return router.primaryConfirmed();
      case 'status':
        debug('status %s', e.status);
        this.host.emit('stateChange', this.host.snapshot());
        if (e.status !== 'closing') statusStream.push({ type: e.status });
        return;
      case 'stateChanged':
        return this.host.emit('stateChange', this.host.snapshot());
      case 'reconnectFailed':
        debug('reconnect attempt %d to %s failed: %s', e.attempt, e.endpoint.name, e.error.message);
        this.host.emit('reconnectFailed', { server: e.endpoint.name, servers: e.servers, attempt: e.attempt, error: e.error });
        return statusStream.push({ type: 'reconnecting', server: e.endpoint.name, servers: e.servers, attempt: e.attempt, error: e.error });
      case 'report':
        return this.host.reportError(e.error as TlibError);
      case 'opened':
        this.waiter?.resolve();
        this.waiter = undefined;
        return;
      case 'openFailed':
        this.waiter?.reject(this.waiter.signal?.aborted ? this.waiter.signal.reason : openError(e.errors, e.endpoints));
        this.waiter = undefined;
        return;
      case 'shutdown':
        return this.shutdown(
          e.why === 'close'
            ? e.error
            : new NotConnectedError(
                e.why === 'reconnectOff'
                  ? 'connection lost and reconnect is off'
                  : `reconnect gave up after trying ${e.servers?.join(' and ')} (last: ${e.error.message})`,
              ),
        );
    }
  }

  /** After a drop: why, when the server's input broke the protocol, flooded or stopped reading. */
  warnProtocol(session: PairDriverSession, reason: Error | undefined): void {
    if (reason instanceof ProtocolError || reason instanceof WriteBufferFullError || reason instanceof HoldOverflowError)
      this.host.gate.warn({ code: reason.code, server: session.name, event: undefined, detail: reason.message });
  }

  private session(id: number): PairDriverSession {
    const s = this.ctx.session(id);
    if (!s) throw new Error(`pair driver: no session ${id}`);
    return s;
  }

  /** Holds events, replays the ledger, then hands on what the session held; 'replayed' when the replay lands. */
  private adoptActive(session: PairDriverSession, afterReconnect: boolean): void {
    const owner = this.host.owner;
    this.host.gate.hold();
    publishDiagnostics('tlib:session:open', { connection: owner, server: session.name, role: 'active' });
    if (afterReconnect) publishDiagnostics('tlib:failover', { connection: owner, from: undefined, to: session.name, cause: 'reconnect' });
    const replay = this.host.replays.replay(session, true);
    // Registrations wait for the link: do not hold the announcement on them while it is down.
    const awaited = session.linkUp ? replay : replay.filter((p) => p.name !== 'RequestRegisterAddress');
    const landed = Promise.allSettled(awaited.map((p) => p.promise));
    this.dials.track(landed.then(() => this.ctx.dispatch({ kind: 'replayed', session: session.id })));
    this.ctx.releaseLater(session);
  }

  private adoptStandby(session: PairDriverSession): void {
    this.host.replays.replay(session, false);
    publishDiagnostics('tlib:session:open', { connection: this.host.owner, server: session.name, role: 'standby' });
    debug('%s: standby session open', session.name);
    this.ctx.releaseLater(session);
  }

  private promoted(session: PairDriverSession, from: string | undefined, why: string): void {
    debug('promote %s (%s), old active %s', session.name, why, from ?? 'none');
    publishDiagnostics('tlib:failover', { connection: this.host.owner, from, to: session.name, cause: why });
    this.host.statusStream.push({ type: 'failover', from, to: session.name, cause: why });
  }

  private announceDisconnected(session: PairDriverSession, reason: Error): void {
    this.host.gate.deliver({ Event: 'EventServerDisconnected', Server: session.name });
    this.host.statusStream.push({ type: 'disconnect', server: session.name });
    this.warnProtocol(session, reason);
  }

  /** Everything stops: sessions, requests, dials; then 'closed', iterators end, 'close' is emitted. */
  private shutdown(err: Error): void {
    this.ctx.closeAll();
    this.waiter?.reject(new ConnectionClosedError('closed while opening'));
    this.waiter = undefined;
    this.host.router.rejectAll(err);
    this.host.gate.dropHeld();
    // Dials and replays end before 'closed' (every timer and socket gone).
    void this.dials.stopAll(err).then(() => {
      this.host.gate.reset();
      this.ctx.dispatch({ kind: 'closed' });
      this.host.endIterators();
      this.host.emit('close');
      for (const w of this.closedWaiters.splice(0)) w();
    });
  }
}

/** open() found no server: the one error, or a ConnectError naming every endpoint tried (each message names its server). */
function openError(errors: readonly Error[], endpoints: readonly string[]): Error {
  if (errors.length === 1) return errors[0];
  return new ConnectError(endpoints.join(', '), `no server answered: ${errors.map((e) => e.message).join('; ')}`, errors);
}
