/**
 * The pair driver: where the pair's decisions (machine.ts, pure) meet sockets and timers.
 * What happens (a dial opened or failed, a session was lost, the gate found a role claim or a
 * link event, a replay or resync ended) becomes an input — with the clock's time and
 * retryStrategy's answer in it, so the reducer calls nothing — and each effect the reducer returns
 * maps to one call here. Inputs that arrive while effects run wait their turn (run to completion),
 * and the messages a session held while it opened are handed on only between inputs.
 * Seams (seams.ts): sessions come from `sessionFactory` and time from `clock`.
 */
import createDebug from 'debug';
import type { DecodedMessage } from '../../codec/index.js';
import { ConnectionClosedError, InvalidStateError, type TlibError } from '../../errors.js';
import type { Endpoint } from '../../transport/index.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { restoreConnectionInput } from './accept-address.js';
import { publishDiagnostics } from '../diagnostics.js';
import type { GateOutput } from '../events/gate.js';
import { Dials } from './dials.js';
import { type PairDriverHost, PairEffects } from './effects.js';
import { initialPairState, type PairInput, type PairState, retryAttemptFor, sessionById, stepPair } from './machine.js';
import { askRetryStrategy } from './retry.js';
import type { ConnectionInternals, PairDriverSession, SessionFactory } from './seams.js';
import { ServerSession } from './session.js';
import type { ConnectionStatus } from '../types.js';

const _debug = createDebug('tlib:connection');

export class PairDriver {
  private state: PairState;
  active: PairDriverSession | undefined;
  standby: PairDriverSession | undefined;
  private readonly sessions = new Map<number, PairDriverSession>();
  private readonly inputs: PairInput[] = [];
  private running = false;
  /** Sessions just adopted: what they held is handed on once the current inputs are handled. */
  private readonly releases: PairDriverSession[] = [];
  private readonly factory: SessionFactory;
  private readonly dials: Dials;
  private readonly effects: PairEffects;
  readonly clock: Clock;

  constructor(
    private readonly host: PairDriverHost,
    internals: ConnectionInternals = {},
  ) {
    const o = host.options;
    this.factory = internals.sessionFactory ?? ((endpoint, options, clock) => new ServerSession(endpoint, options, clock));
    this.clock = internals.clock ?? systemClock;
    this.dials = new Dials(this.clock, (endpoint, signal) => this.connectSession(endpoint, signal), {
      opened: (dialId, s) => {
        this.sessions.set(s.id, s);
        this.dispatch({ kind: 'dialOpened', dialId, session: s.id, at: this.clock.now(), linkUp: s.linkUp });
      },
      failed: (dialId, error, aborted) => this.withRetry({ kind: 'dialFailed', dialId, error, aborted }, error),
    });
    this.effects = new PairEffects(host, this.dials, {
      session: (id) => this.sessions.get(id),
      forget: (id) => this.sessions.delete(id),
      closeAll: () => {
        for (const s of this.sessions.values()) s.close();
        this.sessions.clear();
      },
      dispatch: (input) => this.dispatch(input),
      releaseLater: (session) => this.releases.push(session),
    });
    this.state = initialPairState({
      primary: o.primary,
      backup: o.backup,
      reconnect: o.reconnect !== false,
      resyncOnReconnect: o.resyncOnReconnect,
    });
  }

  get status(): ConnectionStatus {
    return this.state.status;
  }
  get backupEndpoint(): Endpoint | undefined {
    return this.state.backup;
  }
  /** The CTI-link status users last saw. */
  get linkShown(): boolean | undefined {
    return this.state.linkShown;
  }
  get resyncing(): boolean {
    return this.state.resync === 'running';
  }
  /** The active was switched to in a failover and has not claimed the primary role yet (a hot-standby pair). */
  get awaitingPrimary(): boolean {
    const active = this.state.active;
    return this.state.hotStandby && active !== undefined && active.role !== 'primary';
  }
  /** A new active session replays the ledger: user requests and events wait. */
  get holding(): boolean {
    return this.state.kind === 'adopting';
  }
  private get closing(): boolean {
    return this.state.kind === 'closing' || this.state.kind === 'closed';
  }

  async open(signal: AbortSignal | undefined): Promise<void> {
    if (this.state.kind !== 'closed')
      throw new InvalidStateError(
        `open() called while ${this.state.status}: close() it first, or use a new TServerConnection`,
        this.state.status,
      );
    this.dials.begin();
    const done = this.effects.opening(signal);
    this.dispatch({ kind: 'open' });
    return done;
  }

  async close(): Promise<void> {
    if (this.state.kind === 'closed') return;
    const closed = this.effects.closing();
    this.dispatch({ kind: 'close', reason: new ConnectionClosedError() });
    return closed;
  }

  /** The resync the machine started is over. */
  resynced(): void {
    this.dispatch({ kind: 'resynced' });
  }

  // ------------------------------------------------------------------ inputs

  private dispatch(input: PairInput): void {
    const { ledger } = this.host;
    const tracked = ledger.dns.size > 0 || ledger.calls.size > 0;
    if (tracked !== this.state.tracked) this.inputs.push({ kind: 'tracked', tracked });
    this.inputs.push(input);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.inputs.shift(); next; next = this.inputs.shift()) this.step(next);
    } finally {
      this.running = false;
    }
    for (let s = this.releases.shift(); s; s = this.releases.shift()) {
      try {
        s.release();
      } catch (err) {
        internalError(`handing on what ${s.name} held failed`, err);
      }
    }
  }

  /** One input: the reducer and its invariants (stepPair), then each effect, one failure never skipping the rest. */
  private step(input: PairInput): void {
    const { state, effects, fault } = stepPair(this.state, input);
    if (fault) return internalError(`the pair machine refused ${input.kind}`, fault);
    this.state = state;
    this.active = state.active && this.sessions.get(state.active.id);
    this.standby = state.standby && this.sessions.get(state.standby.id);
    for (const e of effects) {
      try {
        this.effects.execute(e);
      } catch (err) {
        internalError(`the pair driver failed on ${input.kind} → ${e.kind}`, err);
      }
    }
    if (input.kind === 'sessionLost') this.sessions.delete(input.session);
  }

  /** Asks retryStrategy first when the input needs its answer (the reducer only reads it). */
  private withRetry(input: Extract<PairInput, { kind: 'dialFailed' | 'sessionLost' }>, error: Error): void {
    const attempt = input.kind === 'dialFailed' ? retryAttemptFor(this.state, input) : retryAttemptFor(this.state, input);
    this.dispatch(attempt === undefined ? input : { ...input, retry: askRetryStrategy(this.host.options.retryStrategy, attempt, error) });
  }

  private onMessage(m: DecodedMessage, session: PairDriverSession): void {
    const outputs = this.host.gate.onMessage(m, session);
    if (outputs) for (const o of outputs) this.onGateOutput(o, session);
  }

  private onGateOutput(o: GateOutput, session: PairDriverSession): void {
    if (o.kind === 'newEpoch') return this.dispatch({ kind: 'newEpoch' });
    if (o.kind === 'link') return this.dispatch({ kind: 'link', session: session.id, up: o.up, message: o.message });
    if (o.kind === 'restoreConnection')
      return this.dispatch(restoreConnectionInput(session, o.attributes, this.state.roleSeq, this.host.options, this.host));
    const seq = o.message.attributes.EventSequenceNumber;
    const input: PairInput = {
      kind: 'primaryChanged',
      session: session.id,
      seq: typeof seq === 'number' ? seq : undefined,
      message: o.message,
    };
    if (!o.fromStandby) return this.dispatch(input);
    // Act at the end of this I/O phase, so a loss of the old primary seen in the same phase comes
    // first (EventServerDisconnected, then EventPrimaryChanged). Later messages of this session wait.
    session.hold();
    this.clock.defer(() => {
      if (session.state !== 'open' || this.closing) return;
      this.dispatch(input);
      session.release();
    });
  }

  private onSessionLost(session: PairDriverSession, reason: TlibError): void {
    session.removeAllListeners();
    session.receiver = undefined;
    if (!this.sessions.has(session.id) || this.closing) return;
    publishDiagnostics('tlib:session:lost', { connection: this.host.owner, server: session.name, reason });
    // An announced loss warns after its EventServerDisconnected (announceDisconnected).
    if (!sessionById(this.state, session.id)?.announced) this.effects.warnProtocol(session, reason);
    this.withRetry({ kind: 'sessionLost', session: session.id, at: this.clock.now(), reason }, reason);
  }

  private async connectSession(endpoint: Endpoint, signal: AbortSignal): Promise<PairDriverSession> {
    const session = this.factory(endpoint, this.host.options, this.clock);
    session.receiver = (m, s) => this.onMessage(m, s);
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
}

/** A bug: reported as a process warning (ERR_TLIB_INTERNAL) the same way in tests and in production; the pair carries on. */
function internalError(what: string, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  process.emitWarning(`tlib-client: ${what}: ${e.message}`, { code: 'ERR_TLIB_INTERNAL', detail: String(e.stack) });
}
