/**
 * ServerSession: one socket to one server of the pair. Opens it, registers the client, tracks
 * the server's CTI-link status, and reports upward (each message to `receiver`, 'lost').
 * It never decides failover: TServerConnection does.
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import type { DecodedMessage } from '../../codec/index.js';
import { ConnectError, HoldOverflowError, RequestTimeoutError, type TlibError } from '../../errors.js';
import { REQUEST_SPECS } from '../../protocol/messages.js';
import { Transport, type Endpoint } from '../../transport/index.js';
import { keepAliveSchedulerFor } from '../../transport/keepalive.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { ByteBoundedFifo } from '../../util/fifo.js';
import { HELD_MESSAGE_OVERHEAD, type ResolvedOptions } from '../options.js';
import type { PairDriverSession } from './seams.js';

const debug = createDebug('tlib:connection');

export const CLIENT_VERSION = 'tlib-client/0.1';

export interface SessionEvents {
  lost: (reason: TlibError, session: ServerSession) => void;
}

export type SessionState = 'opening' | 'open' | 'closed';

let sessionIds = 0;

export class ServerSession extends EventEmitter<SessionEvents> {
  readonly id = ++sessionIds;
  readonly endpoint: Endpoint;
  readonly transport: Transport;
  state: SessionState = 'opening';
  /** CTI-link status as this server last reported it. */
  linkUp = false;
  /** The last link event this server sent (kept for the order fix-up at switchover). */
  lastLinkEvent: DecodedMessage | undefined;
  /** Messages that arrived while opening (or since hold()): handed on by release(), in order; bounded by maxHeldBytes. */
  private readonly held: ByteBoundedFifo<DecodedMessage>;
  private holding = true;
  /** While opening: fails open() (a hold overflow before the registration answer). */
  private failOpen: ((err: TlibError) => void) | undefined;
  /** Where messages go once handed on (set by the owner): a direct call per message, not an event. */
  receiver: ((message: DecodedMessage, session: PairDriverSession) => void) | undefined;

  constructor(
    endpoint: Endpoint,
    private readonly options: ResolvedOptions,
    private readonly clock: Clock = systemClock,
  ) {
    super();
    this.endpoint = endpoint;
    this.transport = new Transport({
      endpoint,
      codec: options.codec,
      maxFrameBytes: options.maxFrameBytes,
      maxWriteBufferBytes: options.maxWriteBufferBytes,
      connectTimeoutMs: options.connectTimeoutMs,
      tls: options.tls,
      addp: options.addp,
      keepAliveScheduler: keepAliveSchedulerFor(clock),
    });
    this.held = new ByteBoundedFifo(options.maxHeldBytes);
  }

  get name(): string {
    return this.endpoint.name;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Connects and sends RequestRegisterClient. Resolves with the answering link event; messages after
   * it are held until release(). Rejects with ConnectError (its `cause` says why: the socket's
   * error, the RequestTimeoutError of an unanswered registration, a HoldOverflowError).
   */
  async open(referenceId: number, signal?: AbortSignal): Promise<DecodedMessage> {
    await this.transport.connect(signal);
    const attributes: Record<string, unknown> = {
      ReferenceID: referenceId,
      ApplicationName: this.options.applicationName,
      ClientVersion: CLIENT_VERSION,
      AddpTimeout: this.options.addp ? this.options.addp.remoteTimeoutMs : undefined,
    };
    return new Promise<DecodedMessage>((resolve, reject) => {
      const timeoutMs = this.options.requestTimeoutMs;
      debug('%s: connected, waiting up to %d ms for the RequestRegisterClient answer', this.name, timeoutMs);
      const timer = this.clock.setTimeout(() => {
        done();
        this.close();
        debug(
          '%s: no RequestRegisterClient answer within %d ms: not a T-Server, or one that does not serve this client',
          this.name,
          timeoutMs,
        );
        const timeout = new RequestTimeoutError({ name: 'RequestRegisterClient', referenceId, attributes }, timeoutMs);
        reject(
          new ConnectError(this.name, `accepted the connection but did not answer RequestRegisterClient within ${timeoutMs} ms`, timeout),
        );
      }, timeoutMs);
      const onAbort = () => {
        done();
        this.close();
        reject(signal?.reason ?? new ConnectError(this.name, 'aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const onClose = (reason: TlibError) => {
        done();
        this.state = 'closed';
        reject(new ConnectError(this.name, `lost while registering: ${reason.message}`, reason));
      };
      this.failOpen = (err) => {
        done();
        this.close();
        reject(new ConnectError(this.name, err.message, err));
      };
      const onMessage = (m: DecodedMessage) => {
        if (this.state === 'opening' && m.attributes.ReferenceID === referenceId && isRegisterAnswer(m.name)) {
          done();
          this.noteLink(m);
          this.state = 'open';
          this.transport.on('close', (reason) => this.onLost(reason));
          this.transport.receiver = (m) => this.accept(m); // registered: nothing more to look for
          this.transport.startAddp();
          debug('%s: registered, link %s', this.name, this.linkUp ? 'up' : 'down');
          resolve(m);
          return;
        }
        if (m.name === 'EventError' && m.attributes.ReferenceID === referenceId) {
          done();
          this.close();
          reject(new ConnectError(this.name, `RequestRegisterClient refused: ErrorCode ${String(m.attributes.ErrorCode)}`));
          return;
        }
        this.accept(m);
      };
      const done = () => {
        this.failOpen = undefined;
        this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.transport.off('close', onClose);
      };
      this.transport.receiver = onMessage;
      this.transport.on('close', onClose);
      this.transport.send(REQUEST_SPECS.RequestRegisterClient.type, attributes);
    });
  }

  private accept(m: DecodedMessage): void {
    if (m.name === 'EventLinkConnected' || m.name === 'EventLinkDisconnected') this.noteLink(m);
    if (!this.holding) {
      this.receiver?.(m, this);
      return;
    }
    if (this.held.push(m, m.byteLength + HELD_MESSAGE_OVERHEAD)) return;
    const what = this.failOpen ? 'for the RequestRegisterClient answer' : 'to be handed on';
    const err = new HoldOverflowError(this.name, what, this.held.bytes, this.held.maxBytes);
    this.held.clear();
    if (this.failOpen) this.failOpen(err);
    else this.abort(err);
  }

  private noteLink(m: DecodedMessage): void {
    this.linkUp = m.name === 'EventLinkConnected';
    this.lastLinkEvent = m;
  }

  /** Holds further messages until release() (used while a promotion is deferred). */
  hold(): void {
    this.holding = true;
  }

  /**
   * Hands on the messages held since the register answer (or hold()); later ones flow straight
   * through. A handler that asks to hold again stops it: the rest stay, in order, ahead of newer ones.
   */
  release(): void {
    this.holding = false;
    while (!this.holding && this.state === 'open' && this.held.size > 0) this.receiver?.(this.held.shift()!, this);
  }

  send(type: number, attributes: Record<string, unknown>): void {
    this.transport.send(type, attributes);
  }

  private onLost(reason: TlibError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.held.clear();
    debug('%s: lost (%s)', this.name, reason.message);
    this.emit('lost', reason, this);
  }

  /** Drops the session because its input broke the protocol; reported like a loss. */
  abort(reason: TlibError): void {
    if (this.state === 'closed') return;
    this.transport.close();
    this.onLost(reason);
  }

  /** Closes without a 'lost' report. */
  close(): void {
    this.state = 'closed';
    this.held.clear();
    this.transport.close();
    this.transport.removeAllListeners();
    this.transport.receiver = undefined;
    this.removeAllListeners();
    this.receiver = undefined;
  }
}

function isRegisterAnswer(name: string | undefined): boolean {
  return name === 'EventLinkConnected' || name === 'EventLinkDisconnected';
}
