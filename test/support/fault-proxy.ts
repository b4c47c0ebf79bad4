/**
 * FaultProxy: a loopback TCP proxy for tests, placed between a client and a (simulated) server, that
 * misbehaves on demand, per direction:
 *
 * - `cut()`            destroys every proxied connection now (both sides see the connection end);
 *                      `cut({ reset: true })` sends a TCP RST instead of a FIN.
 * - `blackhole(dir)`   silently drops bytes going `dir` (and the FIN/close going that way): with
 *                      `'down'` the client's writes still reach the server but nothing comes back,
 *                      a half-open connection.
 * - `delay(dir, ms)`   holds every chunk `ms` before forwarding it (order kept).
 * - `throttle(dir, { bytes, everyMs })`  forwards at most `bytes` bytes per write, one write every
 *                      `everyMs` (0 = next turn of the event loop). `splitEveryByte(dir)` is
 *                      `throttle(dir, { bytes: 1, everyMs: 0 })`: frames arrive one byte at a time.
 * - `mode = 'acceptAndClose'`  accepts each new connection and closes it at once (a crashing server
 *                      behind a live listener); `'forward'` (the default) proxies.
 *
 * Directions: `'up'` is client → server, `'down'` is server → client, `'both'` is both.
 * It listens on 127.0.0.1 only and dials only the target it was given. Every timer and socket it
 * owns is released by `close()`. Counters (`accepted`, `acceptTimes`, `bytes`) let tests count
 * reconnect attempts and traffic.
 */
import net from 'node:net';

export type Direction = 'up' | 'down' | 'both';
export type ProxyMode = 'forward' | 'acceptAndClose';

export interface Target {
  host: string;
  port: number;
}

export interface Throttle {
  /** Bytes per write (≥ 1). */
  bytes: number;
  /** Pause between writes, ms; 0 = the next turn of the event loop. */
  everyMs: number;
}

interface Faults {
  blackhole: boolean;
  delayMs: number;
  throttle: Throttle | undefined;
}

const LOOPBACK = '127.0.0.1';

function noFaults(): Faults {
  return { blackhole: false, delayMs: 0, throttle: undefined };
}

/** One direction of one proxied connection: an ordered queue of chunks, pumped to `dest`. */
class Lane {
  private readonly queue: Array<{ data: Buffer; due: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private waitingDrain = false;
  /** The source ended: send FIN to dest once the queue is empty. */
  private ended = false;
  /** A FIN swallowed by the black hole: delivered if the black hole is lifted. */
  private swallowedEnd = false;
  private done = false;

  constructor(
    private readonly faults: Faults,
    private readonly dest: net.Socket,
    private readonly count: (n: number) => void,
  ) {}

  push(data: Buffer): void {
    if (this.done || this.ended || this.faults.blackhole) return;
    this.queue.push({ data, due: performance.now() + this.faults.delayMs });
    this.pump();
  }

  /** The source sent FIN (or closed): forward it after the queued bytes, unless black-holed. */
  end(): void {
    if (this.done || this.ended) return;
    if (this.faults.blackhole) {
      // A black hole swallows the FIN too: the other side never hears (until heal()).
      this.swallowedEnd = true;
      return;
    }
    this.ended = true;
    this.pump();
  }

  /** Faults changed: re-run the pump (a lifted throttle or delay takes effect at once). */
  kick(): void {
    if (this.swallowedEnd && !this.faults.blackhole) {
      this.swallowedEnd = false;
      this.end();
    }
    if (this.timer || this.immediate) {
      this.clearTimers();
      this.pump();
    }
  }

  stop(): void {
    this.done = true;
    this.queue.length = 0;
    this.clearTimers();
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private pump(): void {
    if (this.done || this.waitingDrain || this.timer || this.immediate) return;
    while (this.queue.length > 0) {
      if (this.dest.destroyed) return this.stop();
      const head = this.queue[0];
      const wait = head.due - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      const throttle = this.faults.throttle;
      let piece: Buffer;
      if (throttle && head.data.length > throttle.bytes) {
        piece = head.data.subarray(0, throttle.bytes);
        head.data = head.data.subarray(throttle.bytes);
      } else {
        piece = head.data;
        this.queue.shift();
      }
      this.count(piece.length);
      const ok = this.dest.write(piece);
      if (throttle) {
        // One write per tick of the throttle.
        const next = () => {
          this.timer = undefined;
          this.immediate = undefined;
          this.pump();
        };
        if (throttle.everyMs > 0) this.timer = setTimeout(next, throttle.everyMs);
        // Two hops: the reader (often in this process) gets a poll phase between two writes, so
        // each byte arrives as its own chunk.
        else this.immediate = setImmediate(() => (this.immediate = setImmediate(next)));
        return;
      }
      if (!ok) {
        this.waitingDrain = true;
        this.dest.once('drain', () => {
          this.waitingDrain = false;
          this.pump();
        });
        return;
      }
    }
    if (this.ended && !this.dest.destroyed) {
      this.done = true;
      this.dest.end();
      // Both our peers close on FIN; this only bounds a peer that would not.
      setTimeout(() => this.dest.destroy(), 2_000).unref();
    }
  }
}

class ProxiedConnection {
  readonly up: Lane;
  readonly down: Lane;
  private closed = false;
  private upstreamOpen = false;
  private early: Buffer[] = [];

  constructor(
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    faults: { up: Faults; down: Faults },
    bytes: { up: number; down: number },
    private readonly onGone: (c: ProxiedConnection) => void,
  ) {
    this.up = new Lane(faults.up, upstream, (n) => (bytes.up += n));
    this.down = new Lane(faults.down, client, (n) => (bytes.down += n));
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (d: Buffer) => (this.upstreamOpen ? this.up.push(d) : this.early.push(d)));
    upstream.on('data', (d: Buffer) => this.down.push(d));
    upstream.once('connect', () => {
      this.upstreamOpen = true;
      for (const d of this.early) this.up.push(d);
      this.early = [];
    });
    // FIN or close of one side goes on to the other after the bytes queued for it (a black-holed
    // lane swallows it: the other side keeps a half-open connection until cut() or close()).
    client.on('end', () => {
      this.up.end();
      if (this.upstream.destroyed) this.destroy(false);
    });
    upstream.on('end', () => {
      this.down.end();
      if (this.client.destroyed) this.destroy(false);
    });
    client.on('close', () => this.sideClosed(this.up));
    upstream.on('close', () => this.sideClosed(this.down));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }

  private sideClosed(lane: Lane): void {
    lane.end();
    if (this.client.destroyed && this.upstream.destroyed) this.gone();
    // One side is gone and the other has sent its FIN: nobody can use this connection any more
    // (this also ends a half-open connection once its client gives up on it).
    else if ((this.client.destroyed && this.upstream.readableEnded) || (this.upstream.destroyed && this.client.readableEnded)) {
      this.destroy(false);
    }
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.up.stop();
    this.down.stop();
    this.onGone(this);
  }

  destroy(reset: boolean): void {
    this.up.stop();
    this.down.stop();
    for (const s of [this.client, this.upstream]) {
      if (s.destroyed) continue;
      if (reset && !s.connecting) s.resetAndDestroy();
      else s.destroy();
    }
    this.gone();
  }
}

export class FaultProxy {
  /** Connections accepted since start (reconnect attempts, when the client is the only user). */
  accepted = 0;
  /** performance.now() of each accepted connection. */
  readonly acceptTimes: number[] = [];
  /** Bytes forwarded each way. */
  readonly bytes = { up: 0, down: 0 };
  mode: ProxyMode = 'forward';
  private readonly faults = { up: noFaults(), down: noFaults() };
  private readonly live = new Set<ProxiedConnection>();
  private readonly strays = new Set<net.Socket>();
  private server: net.Server | undefined;
  private port = 0;

  private constructor(private target: Target) {}

  /** Starts a proxy on 127.0.0.1 (ephemeral port unless `port` is given) in front of `target`. */
  static async start(target: Target | string, options: { port?: number } = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(parseTarget(target));
    await proxy.listen(options.port ?? 0);
    return proxy;
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.onConnection(socket));
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK, () => {
        server.off('error', reject);
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  get address(): Target {
    return { host: LOOPBACK, port: this.port };
  }

  /** 'host:port' of the proxy, what the client dials. */
  get url(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  /** Proxied connections open now. */
  get openConnections(): number {
    return this.live.size;
  }

  /** Where new connections go (existing ones keep their upstream). */
  setTarget(target: Target | string): void {
    this.target = parseTarget(target);
  }

  blackhole(direction: Direction, on = true): this {
    for (const f of this.lanes(direction)) f.blackhole = on;
    this.kick();
    return this;
  }

  delay(direction: Direction, ms: number): this {
    if (!(ms >= 0)) throw new RangeError(`delay must be ≥ 0, got ${ms}`);
    for (const f of this.lanes(direction)) f.delayMs = ms;
    this.kick();
    return this;
  }

  throttle(direction: Direction, throttle: Throttle | undefined): this {
    if (throttle && !(Number.isInteger(throttle.bytes) && throttle.bytes >= 1 && throttle.everyMs >= 0)) {
      throw new RangeError(`bad throttle ${JSON.stringify(throttle)}`);
    }
    for (const f of this.lanes(direction)) f.throttle = throttle;
    this.kick();
    return this;
  }

  /** Every byte in its own write: frames are split at every byte. */
  splitEveryByte(direction: Direction): this {
    return this.throttle(direction, { bytes: 1, everyMs: 0 });
  }

  /** Lifts every fault (bytes already dropped stay dropped) and returns to 'forward'. */
  heal(): this {
    for (const d of ['up', 'down'] as const) Object.assign(this.faults[d], noFaults());
    this.mode = 'forward';
    this.kick();
    return this;
  }

  /** Destroys every proxied connection now; the proxy keeps listening. */
  cut(options: { reset?: boolean } = {}): void {
    for (const c of [...this.live]) c.destroy(options.reset === true);
  }

  /** Stops listening and destroys everything; idempotent. */
  async close(): Promise<void> {
    this.cut();
    for (const s of this.strays) s.destroy();
    this.strays.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private lanes(direction: Direction): Faults[] {
    if (direction === 'up') return [this.faults.up];
    if (direction === 'down') return [this.faults.down];
    return [this.faults.up, this.faults.down];
  }

  private kick(): void {
    for (const c of this.live) {
      c.up.kick();
      c.down.kick();
    }
  }

  private onConnection(client: net.Socket): void {
    this.accepted++;
    this.acceptTimes.push(performance.now());
    client.on('error', () => undefined);
    if (this.mode === 'acceptAndClose' || !this.server) {
      this.strays.add(client);
      client.once('close', () => this.strays.delete(client));
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    const c = new ProxiedConnection(client, upstream, this.faults, this.bytes, (gone) => this.live.delete(gone));
    this.live.add(c);
  }
}

function parseTarget(target: Target | string): Target {
  if (typeof target !== 'string') return target;
  const i = target.lastIndexOf(':');
  return { host: target.slice(0, i), port: Number(target.slice(i + 1)) };
}
