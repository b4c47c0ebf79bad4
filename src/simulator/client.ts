/**
 * One client connection to a simulated server: its socket, its decoder, and what it asked this
 * server to remember (registered DNs, input mask, transaction subscriptions, ADDP period).
 * Registrations are per connection per server, as on a real T-Server: a client of a pair
 * registers its DNs on both servers, and they vanish when the connection closes.
 */
import type { Socket } from 'node:net';
import { FrameDecoder, type DecodedMessage } from '../codec/decoder.js';
import type { ProtocolError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { maskAllows } from './mask.js';

export interface SimClientHandlers {
  onMessage(client: SimClient, message: DecodedMessage): void;
  onProtocolError(client: SimClient, error: ProtocolError): void;
  onClose(client: SimClient, reason: string): void;
}

/**
 * Server-side ADDP: after `periodMs` without hearing a frame, ping; if still nothing within
 * `periodMs` of the ping, the peer is dead. Any frame heard re-arms the idle period.
 */
class AddpWatch {
  private idle: unknown;
  private deadline: unknown;

  constructor(
    readonly periodMs: number,
    private readonly clock: Clock,
    private readonly ping: () => void,
    private readonly dead: () => void,
  ) {}

  start(): void {
    this.stop();
    this.idle = this.clock.setTimeout(() => {
      this.idle = undefined;
      this.ping();
      this.deadline = this.clock.setTimeout(() => {
        this.deadline = undefined;
        this.dead();
      }, this.periodMs);
    }, this.periodMs);
  }

  heard(): void {
    this.start();
  }

  stop(): void {
    if (this.idle !== undefined) this.clock.clearTimeout(this.idle);
    if (this.deadline !== undefined) this.clock.clearTimeout(this.deadline);
    this.idle = undefined;
    this.deadline = undefined;
  }
}

export class SimClient {
  /** True once RequestRegisterClient was answered: such clients get link and pair events. */
  registered = false;
  applicationName: string | undefined;
  /** DNs this connection registered with RequestRegisterAddress. */
  readonly dns = new Set<string>();
  /** InputMask from RequestSetInputMask; undefined = everything passes. */
  mask: Uint8Array | undefined;
  /** Transaction-monitoring subscriptions this connection started. */
  readonly subscriptions = new Set<number>();
  private addp: AddpWatch | undefined;
  private closed = false;
  private readonly decoder: FrameDecoder;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    maxFrameBytes: number,
    private readonly handlers: SimClientHandlers,
    /** ADDP's timers. */
    private readonly clock: Clock,
  ) {
    this.decoder = new FrameDecoder(
      {
        onMessage: (m) => {
          if (!this.closed) handlers.onMessage(this, m);
        },
        onError: (e) => {
          if (!this.closed) handlers.onProtocolError(this, e);
        },
      },
      { maxFrameBytes },
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    socket.on('close', () => this.close('socket closed'));
    // A half-closed client sends nothing more: close our side too.
    socket.on('end', () => this.close('client ended the connection'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get remote(): { address: string | undefined; port: number | undefined } {
    return { address: this.socket.remoteAddress, port: this.socket.remotePort };
  }

  /** Writes a frame; silently dropped once the socket is gone. */
  write(frame: Uint8Array): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(frame);
  }

  /** Whether an unsolicited event of `type` passes this client's input mask. */
  accepts(type: number): boolean {
    return maskAllows(this.mask, type);
  }

  /** Starts (or restarts with a new period, or stops when 0) the server-side ADDP pings. */
  setAddp(periodMs: number, ping: () => void, dead: () => void): void {
    this.addp?.stop();
    this.addp = periodMs > 0 ? new AddpWatch(periodMs, this.clock, ping, dead) : undefined;
    this.addp?.start();
  }

  get addpPeriodMs(): number {
    return this.addp?.periodMs ?? 0;
  }

  /** Called for every frame received, ADDP included. */
  heard(): void {
    this.addp?.heard();
  }

  /** Freeze: no pings, no dead-peer verdicts. */
  pauseAddp(): void {
    this.addp?.stop();
  }

  resumeAddp(): void {
    this.addp?.start();
  }

  /** Destroys the socket and every timer; idempotent. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.addp?.stop();
    this.addp = undefined;
    this.decoder.stop();
    this.socket.destroy();
    this.handlers.onClose(this, reason);
  }
}
