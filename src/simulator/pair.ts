/**
 * HotStandbyPair: two TServerSimulators in one process sharing one SharedState (agents, calls,
 * DN knowledge, the EventSequenceNumber counter, ServerStartTime), following the wire spec's
 * "Hot-standby pair" rules. Server `a` starts as primary, `b` as backup.
 */
import createDebug from 'debug';
import { SwitchControls } from './controls.js';
import { SwitchFacade } from './facade.js';
import { SIMULATOR_DEFAULTS, type SwitchOptions, switchSettingsOf } from './options.js';
import { TServerSimulator } from './server.js';
import { SharedState } from './state.js';

const log = createDebug('tlib:sim:pair');

/** Options of HotStandbyPair.start(): the switch's (SwitchOptions, for both servers) and the pair's own. */
export interface HotStandbyPairOptions extends SwitchOptions {
  /** Interface both servers listen on. Default '127.0.0.1'. */
  host?: string;
  /** Ports of `a` and `b`; 0 = ephemeral. Default [0, 0]. */
  ports?: [number, number];
  /** Names of `a` and `b` (logs, Location). Default ['tserver-a', 'tserver-b']. */
  names?: [string, string];
  /** CTI-link status at start, for both or per server [a, b]. Default true. */
  linkUp?: boolean | [boolean, boolean];
  /**
   * How many of the old primary's last call/agent events the new primary re-sends on promotion,
   * with their original EventSequenceNumber (duplicates a client must drop). Default 0.
   */
  repeatOnPromotion?: number;
}

/** How kill() / killPrimary() let the backup take over. */
export interface KillOptions {
  /**
   * Delay before the backup takes over (ms, on the switch's clock). Meanwhile no server is primary: the switch goes on
   * (timers fire, pair-level controls change its state) and its events are lost. Default 0.
   */
  promoteAfterMs?: number;
}

/**
 * Switch-side controls (placeCall, answerCall, hangUp, releaseCall, setAgentState, …; see
 * SwitchFacade) act on the shared switch and send their events through the current primary — or
 * nowhere while no primary runs, like a switch whose CTI link to a dead primary is gone.
 */
export class HotStandbyPair extends SwitchFacade {
  /** The server started as primary (fixed identity; its role may change). */
  readonly a: TServerSimulator;
  /** The server started as backup. */
  readonly b: TServerSimulator;
  readonly shared: SharedState;
  readonly repeatOnPromotion: number;
  /** @internal */
  protected readonly controls: SwitchControls;
  /** Delayed promotions (KillOptions.promoteAfterMs): timer → the promotion it will run. */
  private readonly pending = new Map<unknown, () => void>();

  private constructor(options: HotStandbyPairOptions) {
    super();
    this.repeatOnPromotion = options.repeatOnPromotion ?? 0;
    if (!Number.isInteger(this.repeatOnPromotion) || this.repeatOnPromotion < 0) {
      throw new RangeError(`repeatOnPromotion must be an integer ≥ 0, got ${String(options.repeatOnPromotion)}`);
    }
    this.shared = new SharedState(this.repeatOnPromotion, switchSettingsOf(options), {
      defaultRouteDestination: options.defaultRouteDestination,
      clock: options.clock,
    });
    const link = options.linkUp ?? SIMULATOR_DEFAULTS.linkUp;
    const [linkA, linkB] = Array.isArray(link) ? link : [link, link];
    const [portA, portB] = options.ports ?? [0, 0];
    const [nameA, nameB] = options.names ?? ['tserver-a', 'tserver-b'];
    if (nameA === nameB) throw new Error('the two servers of a pair need distinct names');
    const common = {
      host: options.host,
      serverVersion: options.serverVersion,
      tls: options.tls,
      maxFrameBytes: options.maxFrameBytes,
      knownDN: options.knownDN,
      shared: this.shared,
      referenceIdOnRelatedEvents: options.referenceIdOnRelatedEvents,
      routingPoints: options.routingPoints,
      queues: options.queues,
    };
    this.a = new TServerSimulator({ ...common, name: nameA, port: portA, linkUp: linkA, role: 'primary' });
    this.b = new TServerSimulator({ ...common, name: nameB, port: portB, linkUp: linkB, role: 'backup' });
    this.a.setPartner(this.b);
    this.b.setPartner(this.a);
    const knownDN = options.knownDN ?? SIMULATOR_DEFAULTS.knownDN;
    this.controls = new SwitchControls(this.shared, () => this.shared.context(), knownDN);
  }

  /** Starts both servers (a primary, b backup). */
  static async start(options: HotStandbyPairOptions = {}): Promise<HotStandbyPair> {
    const pair = new HotStandbyPair(options);
    try {
      await pair.a.start();
      await pair.b.start();
    } catch (err) {
      await pair.stop();
      throw err;
    }
    return pair;
  }

  /** The server whose role is primary now (it may be stopped if both are down). */
  get primary(): TServerSimulator {
    return this.a.role === 'primary' ? this.a : this.b;
  }

  /** The server whose role is backup now (it may be stopped, e.g. after killPrimary). */
  get backup(): TServerSimulator {
    return this.primary === this.a ? this.b : this.a;
  }

  /** 'host:port' of each role. */
  get addresses(): { primary: string; backup: string } {
    return { primary: this.primary.url, backup: this.backup.url };
  }

  /** The other server of the pair. */
  other(server: TServerSimulator): TServerSimulator {
    this.own(server);
    return server === this.a ? this.b : this.a;
  }

  /**
   * Abrupt death of the primary: its sockets are destroyed and it stops listening; the backup (if
   * running) becomes primary and sends EventPrimaryChanged (with the link-event ordering rule).
   */
  killPrimary(options: KillOptions = {}): Promise<void> {
    return this.kill(this.primary, options);
  }

  /**
   * Abrupt death of either server; killing the primary promotes the other one if it runs (at once,
   * or after `promoteAfterMs`).
   */
  async kill(server: TServerSimulator, options: KillOptions = {}): Promise<void> {
    const other = this.other(server);
    const delay = options.promoteAfterMs ?? 0;
    if (!Number.isInteger(delay) || delay < 0)
      throw new RangeError(`promoteAfterMs must be an integer ≥ 0, got ${String(options.promoteAfterMs)}`);
    const wasPrimary = server.role === 'primary';
    const closed = server.stop(); // sockets are destroyed synchronously
    log('%s killed (%s)', server.name, server.role);
    if (wasPrimary && other.isRunning) {
      server.setRole('backup');
      const promote = (): void => {
        if (other.isRunning && other.role === 'backup' && server.role === 'backup') {
          other.promote({ name: server.name, linkUp: server.linkUp }, this.repeatOnPromotion);
        }
      };
      if (delay === 0) promote();
      else {
        // On the switch's clock, as the switch's own timers: a test moves both by hand.
        const timer = this.shared.clock.setTimeout(() => {
          this.pending.delete(timer);
          promote();
        }, delay);
        this.pending.set(timer, promote);
      }
    }
    await closed;
  }

  /** Runs a delayed promotion at once (a restart or a switchover does not wait for it). */
  private promoteNow(): void {
    for (const [timer, promote] of [...this.pending]) {
      this.shared.clock.clearTimeout(timer);
      this.pending.delete(timer);
      promote();
    }
  }

  /** True while a killed primary's backup waits to take over (KillOptions.promoteAfterMs). */
  get promotionPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Graceful switchover: the primary sends EventRestoreConnection ServerRole 1 (with the new
   * primary's address) to its clients and becomes backup; then the backup becomes primary and
   * sends EventPrimaryChanged (with the link-event ordering rule).
   */
  async switchover(): Promise<void> {
    const oldPrimary = this.primary;
    const newPrimary = this.backup;
    if (!oldPrimary.isRunning || !newPrimary.isRunning) throw new Error('switchover needs both servers running');
    log('switchover %s → %s', oldPrimary.name, newPrimary.name);
    // The partner's address, as EventRestoreConnection gives it (a test may route it via a proxy).
    oldPrimary.demote();
    newPrimary.promote({ name: oldPrimary.name, linkUp: oldPrimary.linkUp }, this.repeatOnPromotion);
  }

  /**
   * A stopped server listens again on its old port. It comes back as backup when the other server
   * runs (the primary then sends EventRestoreConnection ServerRole 0 with its address to all its
   * clients), or as primary when it is alone.
   */
  async restart(server: TServerSimulator): Promise<void> {
    const other = this.other(server);
    if (server.isRunning) throw new Error(`${server.name} is running; kill it first`);
    this.promoteNow();
    if (other.isRunning) {
      server.setRole('backup');
      other.setRole('primary');
    } else {
      server.setRole('primary');
      other.setRole('backup');
    }
    await server.start();
    log('%s restarted as %s', server.name, server.role);
    if (server.role === 'backup') other.announceBackup();
  }

  /** Sets one server's CTI link (see TServerSimulator.setLink). */
  setLink(server: TServerSimulator, up: boolean): void {
    this.own(server).setLink(up);
  }

  /** Freezes (or with `on` false resumes) one server (see TServerSimulator.freeze). */
  freeze(server: TServerSimulator, on = true): void {
    this.own(server).freeze(on);
  }

  /** Stops both servers and the switch's timers (route timeouts, treatments, delayed promotion). */
  async stop(): Promise<void> {
    for (const timer of this.pending.keys()) this.shared.clock.clearTimeout(timer);
    this.pending.clear();
    this.shared.clearTimers();
    await Promise.all([this.a.stop(), this.b.stop()]);
  }

  private own(server: TServerSimulator): TServerSimulator {
    if (server !== this.a && server !== this.b) throw new Error('server is not part of this pair');
    return server;
  }
}
