/**
 * MonitorBridge: turns a TServerConnection's events into the IVR Server's MonitorInfo messages,
 * per the seed's tables (Server Status Events, Agent Status Events):
 *
 *   EventLinkConnected                                   → <Server Name='…' Status='OK'/>
 *   EventLinkDisconnected / socket closed / no connection → <Server Name='…' Status='Unavailable'/>
 *   EventAgentLogin / Logout / Ready / NotReady on a port's DN → <Agent PortNum='01' Status='LoggedIn'|…/>
 *   EventAddressInfo (a query)                            → <Agent … Status='…'/>, AgentStatus 0 → Unknown
 *
 * Unsolicited messages carry no ReqId; the answer to queryAgent(port, reqId) carries the request's.
 * The bridge depends only on the structural {@link MonitorSource}; a TServerConnection is one.
 */
import { EventEmitter } from 'eventemitter3';
import { HandlerError, InvalidArgumentError } from '../errors.js';
import { pushIterator, type IteratorBufferOptions } from '../util/push-iterator.js';
import { IvrMessageError } from './errors.js';
import { buildIvrMessage, validateIvrMessage } from './messages.js';
import type { AgentStatusName, MonitorInfo, MonitorInfoAgent, MonitorInfoPort, MonitorInfoServer, ServerStatusName } from './spec.js';

/** The connection events the bridge listens to. */
export const MONITOR_SOURCE_EVENTS = [
  'EventLinkConnected',
  'EventLinkDisconnected',
  'EventServerConnected',
  'EventServerDisconnected',
  'EventPrimaryChanged',
  'EventAgentLogin',
  'EventAgentLogout',
  'EventAgentReady',
  'EventAgentNotReady',
  'EventAddressInfo',
  'close',
] as const;
/** The connection events a MonitorBridge listens to. */
export type MonitorSourceEventName = (typeof MONITOR_SOURCE_EVENTS)[number];

/** An event as a TServerConnection delivers it (only the fields the bridge reads). */
export interface MonitorSourceEvent {
  Event?: string;
  ThisDN?: string;
  AgentStatus?: number;
  [attribute: string]: unknown;
}

/**
 * What the bridge needs from a connection. `TServerConnection` satisfies it; tests may pass any
 * emitter with these methods.
 */
export interface MonitorSource {
  // Method syntax on purpose: parameters are checked bivariantly, so an emitter with typed
  // per-event listeners (TServerConnection) is accepted.
  /** Listens to one of the events the bridge follows. */
  on(event: MonitorSourceEventName, listener: (event?: MonitorSourceEvent) => void): unknown;
  /** Stops listening. */
  off(event: MonitorSourceEventName, listener: (event?: MonitorSourceEvent) => void): unknown;
  /** RequestQueryAddress for one DN, resolved with its EventAddressInfo. Needed by queryAgent(). */
  queryAddress?(dn: string): Promise<MonitorSourceEvent>;
  /** RequestRegisterAddress, so agent events of the ports' DNs reach the connection. */
  registerAddress?(dn: string): Promise<unknown>;
  /** Where the connection stands when the bridge starts (TServerConnection's `state`). */
  readonly state?: { readonly status?: string; readonly linkUp?: boolean | undefined };
}

/** Options of `new MonitorBridge(source, options)`. */
export interface MonitorBridgeOptions {
  /** The T-Server's name as the IVR knows it: the Server subtype's required Name. */
  serverName: string;
  /** The Server subtype's optional Switch. */
  switchName?: string;
  /** IVR port number → DN, e.g. `{ '01': '1001', '02': '1002' }`. */
  ports: Readonly<Record<string, string>>;
  /**
   * Register every port's DN on the connection (and ports added by setPorts), so agent events
   * reach it: at once when the connection is open or opening, else at its next
   * EventServerConnected (the connection's ledger re-registers them after reconnects). Default
   * true when the connection has registerAddress(). DNs are not unregistered by close(): the
   * connection may be shared.
   */
  registerPorts?: boolean;
}

/** One output of the bridge: the XML and the message it was built from. */
export interface MonitorBridgeOutput {
  xml: string;
  /** The message as an object. */
  message: MonitorInfo;
}

/** The listeners a MonitorBridge takes. */
export interface MonitorBridgeEvents {
  /** Each MonitorInfo message, as XML and as an object. */
  message: (output: MonitorBridgeOutput) => void;
  /** Port registrations the connection refused, and listeners of 'message' that threw (as HandlerError). */
  error: (error: Error) => void;
}

/** T-Library AgentStatus → the Agent subtype's Status. */
const AGENT_STATUS_BY_CODE: Readonly<Record<number, AgentStatusName>> = {
  0: 'Unknown',
  1: 'LoggedOut',
  2: 'LoggedIn',
  3: 'Ready',
  4: 'NotReady',
};
/** The seed's Agent Status Events table. */
const AGENT_STATUS_BY_EVENT = {
  EventAgentLogin: 'LoggedIn',
  EventAgentLogout: 'LoggedOut',
  EventAgentReady: 'Ready',
  EventAgentNotReady: 'NotReady',
} as const satisfies Record<string, AgentStatusName>;

/** The bridge's own view of an agent: Unknown is treated as LoggedOut (seed: "treat Unknown as LoggedOut"). */
export type BridgeAgentState = Exclude<AgentStatusName, 'Unknown'>;

/** Turns a connection's events into the IVR Server's MonitorInfo messages (Server, Port and Agent subtypes), as `'message'` events or an async iterator. See docs/ivr.md. */
export class MonitorBridge extends EventEmitter<MonitorBridgeEvents> {
  private readonly source: MonitorSource;
  private readonly serverName: string;
  private readonly switchName: string | undefined;
  private readonly registerPorts: boolean;
  private portToDn = new Map<string, string>();
  private dnToPort = new Map<string, string>();
  private readonly agents = new Map<string, BridgeAgentState>();
  /** Last CTI-link status seen (survives a socket loss: EventPrimaryChanged without link events keeps it). */
  private linkUp: boolean;
  private socketUp: boolean;
  private lastServerStatus: ServerStatusName | undefined;
  /** DN → number of queryAgent() calls in flight: their EventAddressInfo is answered by queryAgent itself. */
  private readonly pendingQueries = new Map<string, number>();
  private readonly attached: Array<[MonitorSourceEventName, (e?: MonitorSourceEvent) => void]> = [];
  private readonly iterators = new Set<() => void>();
  private closed = false;
  /** Port DNs still to register at the next EventServerConnected. */
  private readonly toRegister = new Set<string>();

  constructor(source: MonitorSource, options: MonitorBridgeOptions) {
    super();
    if (!source || typeof source.on !== 'function' || typeof source.off !== 'function') {
      throw new InvalidArgumentError('MonitorBridge needs a connection with on() and off()');
    }
    if (!options || typeof options.serverName !== 'string' || options.serverName.length === 0) {
      throw new InvalidArgumentError('MonitorBridge: serverName must be a non-empty string (the Server subtype requires Name)');
    }
    if (options.switchName !== undefined && typeof options.switchName !== 'string') {
      throw new InvalidArgumentError('MonitorBridge: switchName must be a string');
    }
    // Both end up in every Server message: refuse now what XML cannot carry (IvrMessageError).
    validateIvrMessage({ Message: 'MonitorInfo', Subtype: 'Server', Name: options.serverName, Status: 'OK', Switch: options.switchName });
    this.source = source;
    this.serverName = options.serverName;
    this.switchName = options.switchName;
    this.registerPorts = options.registerPorts ?? typeof source.registerAddress === 'function';
    this.applyPorts(options.ports);
    const state = source.state;
    this.linkUp = state?.linkUp === true;
    this.socketUp = state?.status === 'open';

    const handlers: Record<MonitorSourceEventName, (e?: MonitorSourceEvent) => void> = {
      EventLinkConnected: () => {
        this.linkUp = true;
        this.socketUp = true;
        this.updateServer();
      },
      EventLinkDisconnected: () => {
        this.linkUp = false;
        this.updateServer();
      },
      EventServerConnected: () => {
        // A socket is up, but the link status follows in its own event: wait for it.
        this.socketUp = true;
        const dns = [...this.toRegister];
        this.toRegister.clear();
        for (const dn of dns) this.register(dn);
      },
      EventServerDisconnected: () => {
        this.socketUp = false;
        this.updateServer();
      },
      EventPrimaryChanged: () => {
        // The standby took over. Without a link event around it the new primary's link status is
        // the old one's (seed: link events are generated only when the two differ).
        this.socketUp = true;
        this.updateServer();
      },
      close: () => {
        this.socketUp = false;
        this.updateServer();
      },
      EventAgentLogin: (e) => this.onAgentEvent(e),
      EventAgentLogout: (e) => this.onAgentEvent(e),
      EventAgentReady: (e) => this.onAgentEvent(e),
      EventAgentNotReady: (e) => this.onAgentEvent(e),
      EventAddressInfo: (e) => this.onAddressInfo(e),
    };
    for (const name of MONITOR_SOURCE_EVENTS) {
      const fn = handlers[name];
      source.on(name, fn);
      this.attached.push([name, fn]);
    }
    if (this.registerPorts) for (const dn of this.portToDn.values()) this.registerOrDefer(dn);
    // The current status, once the caller has had a chance to attach listeners.
    queueMicrotask(() => this.updateServer());
  }

  // ---------------------------------------------------------------- state

  /** Server status as last reported (undefined before the first report). */
  get serverStatus(): ServerStatusName | undefined {
    return this.lastServerStatus;
  }

  /** The bridge's view of the agent on a port (Unknown counts as LoggedOut); undefined if never seen. */
  agentState(port: string): BridgeAgentState | undefined {
    return this.agents.get(port);
  }

  /** Configured ports, port → DN. */
  get ports(): Record<string, string> {
    return Object.fromEntries(this.portToDn);
  }

  /**
   * Replaces the port configuration. Ports no longer configured get `<Port Status='Unavailable'/>`
   * (no further requests can succeed for them), new ports get `<Port Status='OK'/>`, as do ports
   * whose DN changed. Unsolicited: no ReqId.
   */
  setPorts(ports: Readonly<Record<string, string>>): void {
    this.assertOpen();
    const before = new Map(this.portToDn);
    this.applyPorts(ports);
    for (const [port, dn] of before) {
      if (this.portToDn.get(port) !== dn) {
        this.agents.delete(port);
        this.toRegister.delete(dn);
        if (!this.portToDn.has(port)) this.output({ Message: 'MonitorInfo', Subtype: 'Port', PortNum: port, Status: 'Unavailable' });
      }
    }
    for (const [port, dn] of this.portToDn) {
      if (before.get(port) === dn) continue;
      if (this.registerPorts) this.registerOrDefer(dn);
      this.output({ Message: 'MonitorInfo', Subtype: 'Port', PortNum: port, Status: 'OK' } satisfies MonitorInfoPort);
    }
  }

  // ---------------------------------------------------------------- requests

  /**
   * Queries the agent on `port` (RequestQueryAddress on its DN) and answers with
   * `<MonitorInfo ReqId='…'><Agent PortNum='…' Status='…'/></MonitorInfo>`: emitted as a message and
   * returned. AgentStatus 0 (or none) is reported as Unknown and kept as LoggedOut.
   * @throws IvrMessageError (reason not-allowed, parameter PortNum) for a port not configured
   * @throws whatever the connection's queryAddress rejects with (nothing is emitted then)
   */
  async queryAgent(port: string, reqId?: string | number): Promise<MonitorInfoAgent> {
    this.assertOpen();
    const dn = this.portToDn.get(port);
    if (dn === undefined) {
      throw new IvrMessageError('not-allowed', 'MonitorInfo/Agent', `PortNum ${JSON.stringify(port)} is not a configured port`, 'PortNum', [
        ...this.portToDn.keys(),
      ]);
    }
    if (typeof this.source.queryAddress !== 'function') {
      throw new InvalidArgumentError('queryAgent needs a connection with queryAddress(dn)');
    }
    const id = reqId === undefined ? undefined : String(reqId);
    // A ReqId XML cannot carry is refused before anything is sent.
    if (id !== undefined) validateIvrMessage({ Message: 'MonitorInfo', Subtype: 'Agent', PortNum: port, Status: 'Unknown', ReqId: id });
    this.pendingQueries.set(dn, (this.pendingQueries.get(dn) ?? 0) + 1);
    let answer: MonitorSourceEvent;
    try {
      answer = await this.source.queryAddress(dn);
    } finally {
      const n = (this.pendingQueries.get(dn) ?? 1) - 1;
      if (n > 0) this.pendingQueries.set(dn, n);
      else this.pendingQueries.delete(dn);
    }
    const status = agentStatusOf(answer.AgentStatus);
    const message: MonitorInfoAgent = { Message: 'MonitorInfo', Subtype: 'Agent', PortNum: port, Status: status };
    if (id !== undefined) message.ReqId = id;
    // The port may have been reconfigured, or the bridge closed, while the query ran.
    if (this.closed || this.portToDn.get(port) !== dn) return message;
    this.agents.set(port, status === 'Unknown' ? 'LoggedOut' : status);
    this.output(message);
    return message;
  }

  // ---------------------------------------------------------------- output

  /**
   * Async iteration over the messages emitted from now on; ends at once on close() or when
   * `signal` aborts. Messages wait in a bounded buffer while the loop body runs (`maxBuffered`,
   * `overflow`: as for `conn.events()`).
   */
  messages(options: { signal?: AbortSignal } & IteratorBufferOptions = {}): AsyncIterableIterator<MonitorBridgeOutput> {
    return pushIterator<MonitorBridgeOutput>(
      (push) => {
        this.on('message', push);
        return () => this.off('message', push);
      },
      {
        signal: options.signal,
        closed: this.closed,
        enders: this.iterators,
        maxBuffered: options.maxBuffered,
        overflow: options.overflow,
        what: 'messages()',
      },
    );
  }

  /** Iterates over the messages (`messages()` with its defaults). */
  [Symbol.asyncIterator](): AsyncIterableIterator<MonitorBridgeOutput> {
    return this.messages();
  }

  /** Removes every listener the bridge added to the connection and ends its iterators. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [name, fn] of this.attached) this.source.off(name, fn);
    this.attached.length = 0;
    for (const end of [...this.iterators]) end();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------- internals

  private applyPorts(ports: Readonly<Record<string, string>>): void {
    if (!ports || typeof ports !== 'object' || Array.isArray(ports)) {
      throw new InvalidArgumentError("MonitorBridge: ports must be an object of port → DN, e.g. { '01': '1001' }");
    }
    const portToDn = new Map<string, string>();
    const dnToPort = new Map<string, string>();
    for (const [port, dn] of Object.entries(ports)) {
      if (port.length === 0) throw new InvalidArgumentError('MonitorBridge: a port number is empty');
      if (typeof dn !== 'string' || dn.length === 0) {
        throw new InvalidArgumentError(`MonitorBridge: port ${port} must map to a non-empty DN string`);
      }
      const other = dnToPort.get(dn);
      if (other !== undefined) throw new InvalidArgumentError(`MonitorBridge: ports ${other} and ${port} both map to DN ${dn}`);
      portToDn.set(port, dn);
      dnToPort.set(dn, port);
    }
    // Every port must be writable as a PortNum: check now rather than at the first event.
    for (const port of portToDn.keys()) {
      validateIvrMessage({ Message: 'MonitorInfo', Subtype: 'Port', PortNum: port, Status: 'OK' });
    }
    this.portToDn = portToDn;
    this.dnToPort = dnToPort;
  }

  /** A closed connection refuses requests: register at its next EventServerConnected. */
  private registerOrDefer(dn: string): void {
    const status = this.source.state?.status;
    if (status === 'closed' || status === 'closing') this.toRegister.add(dn);
    else this.register(dn);
  }

  private register(dn: string): void {
    const p = this.source.registerAddress?.(dn);
    p?.catch((err: unknown) => {
      if (this.closed) return;
      // Try again when a server is next connected, if the port is still configured.
      if (this.dnToPort.has(dn)) this.toRegister.add(dn);
      if ((err as { code?: unknown } | null)?.code === 'ERR_CONNECTION_CLOSED') return;
      const error = err instanceof Error ? err : new Error(`registerAddress(${dn}) failed: ${String(err)}`);
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }

  private updateServer(): void {
    if (this.closed) return;
    const status: ServerStatusName = this.socketUp && this.linkUp ? 'OK' : 'Unavailable';
    if (status === this.lastServerStatus) return;
    this.lastServerStatus = status;
    const message: MonitorInfoServer = { Message: 'MonitorInfo', Subtype: 'Server', Name: this.serverName, Status: status };
    if (this.switchName !== undefined) message.Switch = this.switchName;
    this.output(message);
  }

  private onAgentEvent(e: MonitorSourceEvent | undefined): void {
    if (!e) return;
    const port = typeof e.ThisDN === 'string' ? this.dnToPort.get(e.ThisDN) : undefined;
    const status = AGENT_STATUS_BY_EVENT[e.Event as keyof typeof AGENT_STATUS_BY_EVENT];
    if (port === undefined || status === undefined) return;
    this.agents.set(port, status);
    this.output({ Message: 'MonitorInfo', Subtype: 'Agent', PortNum: port, Status: status });
  }

  private onAddressInfo(e: MonitorSourceEvent | undefined): void {
    if (!e) return;
    const dn = e.ThisDN;
    const port = typeof dn === 'string' ? this.dnToPort.get(dn) : undefined;
    if (port === undefined || e.AgentStatus === undefined) return;
    // The answer to our own queryAgent(): it emits, with the ReqId.
    if (this.pendingQueries.has(dn!)) return;
    const status = agentStatusOf(e.AgentStatus);
    this.agents.set(port, status === 'Unknown' ? 'LoggedOut' : status);
    this.output({ Message: 'MonitorInfo', Subtype: 'Agent', PortNum: port, Status: status });
  }

  private output(message: MonitorInfo): void {
    if (this.closed) return;
    const out: MonitorBridgeOutput = { xml: buildIvrMessage(message), message };
    try {
      this.emit('message', out);
    } catch (err) {
      const handlerError = new HandlerError('message', err);
      if (this.listenerCount('error') > 0) {
        try {
          this.emit('error', handlerError);
          return;
        } catch {
          // the error listener threw too
        }
      }
      process.emitWarning(handlerError.message, { code: handlerError.code });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidArgumentError('MonitorBridge is closed');
  }
}

/** AgentStatus code → Agent Status; anything but 1–4 (0, absent, unknown codes) is Unknown. */
function agentStatusOf(code: unknown): AgentStatusName {
  return typeof code === 'number' && Object.hasOwn(AGENT_STATUS_BY_CODE, code) ? AGENT_STATUS_BY_CODE[code] : 'Unknown';
}
