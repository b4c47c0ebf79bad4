/**
 * TServerSimulator: one simulated T-Server on a real TCP (or TLS) socket, speaking the wire codec.
 * Request semantics live in ./dispatch.ts and the handlers; the switch-side controls in
 * ./controls.ts (methods from ./facade.ts). This file owns sockets, stamping and delivery of
 * events, the test controls of the server itself, and the hooks HotStandbyPair uses.
 */
import net from 'node:net';
import tls from 'node:tls';
import createDebug from 'debug';
import { encodeFrame } from '../codec/encoder.js';
import type { DecodedMessage } from '../codec/decoder.js';
import type { KVList } from '../protocol/attributes.js';
import { ADDP_PING, ADDP_PONG, messageByName, messageByType } from '../protocol/catalogue.js';
import type { EventName } from '../protocol/messages.js';
import { nowTime } from '../protocol/values.js';
import { SimClient } from './client.js';
import { SwitchControls } from './controls.js';
import { serveRequest } from './dispatch.js';
import { SwitchFacade } from './facade.js';
import type { SimErrorCodeValue } from './error-codes.js';
import type { EventAttributes, Requester } from './core.js';
import { UNMASKABLE_EVENT_TYPES } from './mask.js';
import {
  resolveOptions,
  restoreConnection,
  switchSettingsOf,
  type ResolvedSimulatorOptions,
  type ServerRoleName,
  type SimulatorOptions,
} from './options.js';
import { eventType, NOT_REPEATED, type Partner, stampOf } from './server-parts.js';
import type { SendEventOptions, SimulatorEvents } from './server-types.js';
import { SharedState } from './state.js';

export type { ClientInfo, RequestInfo, SendEventOptions, SimulatorEvents } from './server-types.js';

const log = createDebug('tlib:sim');

let nextClientId = 1;

/**
 * One simulated T-Server (see the module comment of `tlib-client/simulator` for what a client may
 * rely on). Alone it is its own primary; HotStandbyPair runs two on one shared switch.
 */
export class TServerSimulator extends SwitchFacade<SimulatorEvents> {
  readonly shared: SharedState;
  private readonly opts: ResolvedSimulatorOptions;
  private readonly log: createDebug.Debugger;
  private server: net.Server | undefined;
  private readonly clients = new Map<number, SimClient>();
  private readonly counts: Record<string, number> = {};
  private readonly addpCounts = { pingsReceived: 0, pongsReceived: 0, pingsSent: 0 };
  private boundPort: number | undefined;
  private roleNow: ServerRoleName;
  private link: boolean;
  private frozen = false;
  private discarded = 0;
  private partner: Partner | undefined;
  private readonly ownsShared: boolean;
  /** @internal */
  protected readonly controls: SwitchControls;

  constructor(options: SimulatorOptions = {}) {
    super();
    this.opts = resolveOptions(options);
    this.ownsShared = this.opts.shared === undefined;
    this.shared =
      this.opts.shared ??
      new SharedState(0, switchSettingsOf(this.opts), {
        defaultRouteDestination: this.opts.defaultRouteDestination,
        clock: this.opts.clock,
      });
    this.shared.attach(this);
    this.roleNow = this.opts.role;
    this.link = this.opts.linkUp;
    this.log = log.extend(this.opts.name);
    this.controls = new SwitchControls(
      this.shared,
      (what) => {
        this.requirePrimary(what);
        return this;
      },
      (dn) => this.isKnownDN(dn),
    );
    this.controls.declare(this.opts.routingPoints, this.opts.queues);
  }

  // ---------------------------------------------------------------- lifecycle

  get name(): string {
    return this.opts.name;
  }

  get isRunning(): boolean {
    return this.server !== undefined;
  }

  /**
   * Listens. A server that was stopped listens again on the port it had (so a restarted server of
   * a pair keeps its address even when first started on port 0).
   */
  start(): Promise<void> {
    if (this.server) return Promise.reject(new Error(`${this.name}: already started`));
    const onSocket = (socket: net.Socket): void => this.accept(socket);
    const server = this.opts.tls ? tls.createServer(this.opts.tls, onSocket) : net.createServer(onSocket);
    if (this.opts.tls) {
      server.on('tlsClientError', (err: Error) => this.log('TLS handshake failed: %s', err.message));
    }
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = undefined;
        reject(err);
      };
      server.once('error', onError);
      server.listen(this.boundPort ?? this.opts.port, this.opts.host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.log('server error: %s', err.message));
        this.boundPort = (server.address() as net.AddressInfo).port;
        this.log('%s listening on %s', this.roleNow, this.url);
        resolve();
      });
    });
  }

  /**
   * Destroys every client socket, clears every timer and stops listening. The sockets are gone
   * when this returns; the promise settles when the listener is closed.
   */
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // A lone server is the whole switch: its timers end with it. A pair's switch outlives a server.
    if (this.ownsShared) this.shared.clearTimers();
    for (const client of [...this.clients.values()]) client.close('server stopped');
    if (!server) return Promise.resolve();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The address it listens on (throws before the first start()). */
  address(): { host: string; port: number } {
    if (this.boundPort === undefined) throw new Error(`${this.name}: not started`);
    return { host: this.opts.host, port: this.boundPort };
  }

  get url(): string {
    const { host, port } = this.address();
    return `${host}:${port}`;
  }

  get role(): ServerRoleName {
    return this.roleNow;
  }

  get linkUp(): boolean {
    return this.link;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  get serverVersion(): string {
    return this.opts.serverVersion;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Whether `dn` is a DN of the switch (SimulatorOptions.knownDN). */
  isKnownDN(dn: string): boolean {
    return this.opts.knownDN(dn);
  }

  /** How many of each request this server decoded (by catalogue name). ADDP is not counted here. */
  requestCounts(): Record<string, number> {
    return { ...this.counts };
  }

  /** ADDP frames seen and sent by this server. */
  addpStats(): { pingsReceived: number; pongsReceived: number; pingsSent: number } {
    return { ...this.addpCounts };
  }

  /** Frames read and dropped while frozen (ADDP included). */
  get framesDiscarded(): number {
    return this.discarded;
  }

  // ---------------------------------------------------------------- controls

  /** Sets the CTI-link status; on a change, EventLinkConnected/Disconnected goes to every client. */
  setLink(up: boolean): void {
    if (this.link === up) return;
    this.link = up;
    this.broadcast(up ? 'EventLinkConnected' : 'EventLinkDisconnected', {});
  }

  /** Destroys every client socket; the server keeps listening. */
  dropClients(): void {
    for (const client of [...this.clients.values()]) client.close('dropped by dropClients()');
  }

  /**
   * Freeze: the server answers nothing and sends nothing (ADDP included); frames received are read
   * and discarded, as by a hung process whose input is lost. Sockets stay open. freeze(false)
   * resumes; ADDP idle periods start afresh.
   */
  freeze(on = true): void {
    if (this.frozen === on) return;
    this.frozen = on;
    this.log(on ? 'frozen' : 'unfrozen');
    for (const client of this.clients.values()) {
      if (on) client.pauseAddp();
      else client.resumeAddp();
    }
  }

  /** Writes raw bytes to every connected client (registered or not). Dropped while frozen. */
  sendRaw(bytes: Uint8Array): void {
    if (this.frozen) return;
    for (const client of this.clients.values()) client.write(bytes);
  }

  /**
   * Encodes one event (by catalogue name or message type) and writes it to every connected client,
   * bypassing input masks. Throws on an unknown name or a value the codec refuses.
   */
  sendEvent(event: string | number, attributes: Record<string, unknown> = {}, options: SendEventOptions = {}): void {
    const type = typeof event === 'number' ? event : messageByName(event)?.type;
    if (type === undefined) throw new Error(`${this.name}: unknown message ${event}`);
    const attrs = options.stamp === false ? attributes : { ...this.stamp(), ...attributes };
    this.sendRaw(encodeFrame(type, attrs));
  }

  /** EventTransactionStatus to the client that started `subscriptionId`. False if nobody has it. */
  emitTransactionStatus(subscriptionId: number, extensions?: KVList): boolean {
    for (const client of this.clients.values()) {
      if (client.subscriptions.has(subscriptionId)) {
        this.deliver([client], 'EventTransactionStatus', { SubscriptionID: subscriptionId, Extensions: extensions });
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- pair hooks (HotStandbyPair only)

  /** @internal Links this server to its pair partner. */
  setPartner(partner: Partner): void {
    this.partner = partner;
  }

  /**
   * @internal Backup → primary. Sends, to this server's clients: EventLinkDisconnected first if the
   * old primary's link was up and ours is down, EventPrimaryChanged, EventLinkConnected after it if
   * the old one's was down and ours is up; then the last `repeat` call/agent events the old primary
   * sent, with their original EventSequenceNumber, to clients registered on each event's DN.
   */
  promote(oldPrimary: { name: string; linkUp: boolean }, repeat: number): void {
    this.setRole('primary');
    if (oldPrimary.linkUp && !this.link) this.broadcast('EventLinkDisconnected', {});
    this.broadcast('EventPrimaryChanged', { ApplicationName: this.name });
    if (!oldPrimary.linkUp && this.link) this.broadcast('EventLinkConnected', {});
    if (this.frozen) return;
    for (const record of this.shared.lastSentBy(oldPrimary.name, repeat)) {
      const frame = encodeFrame(record.type, record.attributes);
      for (const client of this.clients.values()) {
        if (client.dns.has(record.dn) && client.accepts(record.type)) client.write(frame);
      }
    }
  }

  /** @internal Primary → backup (switchover): EventRestoreConnection ServerRole 1 with the new primary's address. */
  demote(newPrimary: { host: string; port: number } | undefined = this.partner?.address()): void {
    if (!newPrimary) throw new Error(`${this.name}: demote needs the new primary's address (no partner)`);
    this.setRole('backup');
    this.broadcast('EventRestoreConnection', restoreConnection('backup', newPrimary));
  }

  /** @internal Sets the role without telling clients (a restarted server comes back as backup). */
  setRole(role: ServerRoleName): void {
    if (this.roleNow === role) return;
    this.roleNow = role;
    this.log('role: %s', role);
    this.emit('role', role);
  }

  /** @internal A primary tells its clients where its (re)started backup is. */
  announceBackup(): void {
    const restore = this.restoreConnectionAttrs();
    if (restore) this.broadcast('EventRestoreConnection', restore);
  }

  // ---------------------------------------------------------------- SimCore (used by handlers)

  /** @internal */
  answer(req: Requester, event: EventName, attrs: EventAttributes): void {
    if (this.frozen) return;
    const type = eventType(event);
    req.client.write(encodeFrame(type, { ...attrs, ReferenceID: req.refId, ...this.stamp() }));
  }

  /** @internal */
  toDN(dn: string, event: EventName, attrs: EventAttributes, req?: Requester, related = false): void {
    const type = eventType(event);
    const stamped = { ...attrs, ...this.stamp() };
    if (!NOT_REPEATED.has(event)) this.shared.remember({ sender: this.name, dn, type, attributes: stamped });
    if (this.frozen) return;
    // The answer goes to the requester whatever its registrations and mask; another event of the
    // request reaches it only as it reaches any client registered on the DN.
    const answerTo = req && (!related || (req.client.dns.has(dn) && req.client.accepts(type))) ? req.client : undefined;
    if (answerTo) {
      const refId = !related || req!.tagRelated ? req!.refId : undefined;
      answerTo.write(encodeFrame(type, { ...attrs, ReferenceID: refId, ...stampOf(stamped) }));
    }
    let frame: Buffer | undefined;
    for (const client of this.clients.values()) {
      if (client === answerTo || !client.dns.has(dn) || !client.accepts(type)) continue;
      frame ??= encodeFrame(type, stamped);
      client.write(frame);
    }
  }

  /** @internal */
  clientRegistered(client: SimClient, addpTimeoutMs: number): void {
    client.registered = true;
    client.setAddp(
      addpTimeoutMs,
      () => {
        this.addpCounts.pingsSent++;
        client.write(encodeFrame(ADDP_PING, undefined));
      },
      () => {
        this.log('client %d silent for %d ms after a ping: closing', client.id, addpTimeoutMs);
        client.close('ADDP timeout');
      },
    );
    const restore = this.restoreConnectionAttrs();
    if (restore) this.deliver([client], 'EventRestoreConnection', restore);
  }

  // ---------------------------------------------------------------- internals

  /** The EventRestoreConnection this server owes a newly registered client, if any. */
  private restoreConnectionAttrs(): EventAttributes | undefined {
    return this.partner?.isRunning ? restoreConnection(this.roleNow, this.partner.address()) : undefined;
  }

  private requirePrimary(what: string): void {
    if (this.roleNow !== 'primary') throw new Error(`${this.name}: ${what} needs the primary; this server is the backup`);
  }

  /** time, the next EventSequenceNumber, ServerStartTime. */
  private stamp(): { time: ReturnType<typeof nowTime>; EventSequenceNumber: number; ServerStartTime: ReturnType<typeof nowTime> } {
    return { time: nowTime(), EventSequenceNumber: this.shared.nextSequence(), ServerStartTime: this.shared.serverStartTime };
  }

  /** One unsolicited event (one sequence number) to every registered client its mask allows. */
  private broadcast(event: EventName, attrs: EventAttributes): void {
    this.deliver(
      [...this.clients.values()].filter((c) => c.registered),
      event,
      attrs,
    );
  }

  private deliver(clients: SimClient[], event: EventName, attrs: EventAttributes): void {
    if (this.frozen) return;
    const type = eventType(event);
    const targets = clients.filter((c) => UNMASKABLE_EVENT_TYPES.has(type) || c.accepts(type));
    if (targets.length === 0) return;
    const frame = encodeFrame(type, { ...attrs, ...this.stamp() });
    for (const client of targets) client.write(frame);
  }

  private accept(socket: net.Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    const id = nextClientId++;
    const client = new SimClient(
      id,
      socket,
      this.opts.maxFrameBytes,
      {
        onMessage: (c, m) => this.onMessage(c, m),
        onProtocolError: (c, e) => {
          this.log('client %d sent a malformed frame: %s', c.id, e.message);
          this.emit('protocolError', { clientId: c.id, error: e });
          c.close(`protocol error: ${e.code}`);
        },
        onClose: (c, reason) => {
          this.clients.delete(c.id);
          this.log('client %d closed: %s', c.id, reason);
          this.emit('clientClosed', { clientId: c.id, reason });
        },
      },
      this.shared.clock,
    );
    this.clients.set(id, client);
    this.log('client %d connected from %s:%d', id, socket.remoteAddress, socket.remotePort);
    this.emit('client', { clientId: id, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
  }

  private onMessage(client: SimClient, message: DecodedMessage): void {
    if (this.frozen) {
      this.discarded++;
      return;
    }
    client.heard();
    if (message.type === ADDP_PING) {
      this.addpCounts.pingsReceived++;
      client.write(encodeFrame(ADDP_PONG, undefined));
      return;
    }
    if (message.type === ADDP_PONG) {
      this.addpCounts.pongsReceived++;
      return;
    }
    const descriptor = messageByType(message.type);
    const name = descriptor?.name ?? `Unknown(${message.type})`;
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    this.emit('request', { clientId: client.id, name, type: message.type, attributes: message.attributes });

    serveRequest(this, client, descriptor, message, this.opts.referenceIdOnRelatedEvents, this.log);
  }

  /** @internal */
  sendError(req: Requester, code: SimErrorCodeValue, message: string): void {
    if (this.frozen) return;
    const refId = req.refId > 0 ? req.refId : undefined;
    req.client.write(encodeFrame(eventType('EventError'), { ErrorCode: code, ErrorMessage: message, ReferenceID: refId, ...this.stamp() }));
  }
}
