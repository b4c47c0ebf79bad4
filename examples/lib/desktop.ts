/**
 * A minimal agent desktop, written only against the public API: it registers its DN, logs the agent
 * in and makes it ready, then reacts to events: EventRinging → answer; EventEstablished → attach
 * user data; after a short talk time → release. It knows nothing about failover: the connection
 * keeps the same API alive across it (used by examples/agent-desktop.ts and examples/demo.ts).
 */
import { EventEmitter } from 'eventemitter3';
import {
  RequestInterruptedError,
  TServerError,
  type KVListInput,
  type TServerConnection,
  kvGet,
} from '../../src/index.js';

export interface AgentDesktopOptions {
  dn: string;
  agentId: string;
  /** How long a call stays established before the desktop releases it. */
  talkMs: number;
  /** The user data the desktop attaches to each answered call. */
  userData: (connId: string, callNumber: number) => KVListInput;
  /** Where the desktop says what it does. */
  log: (line: string) => void;
  /** Short name for a server address in the log. */
  label?: (server: string) => string;
}

interface DesktopEvents {
  answered: (connId: string) => void;
  attached: (connId: string) => void;
  released: (connId: string) => void;
  problem: (error: Error) => void;
}

export class AgentDesktop extends EventEmitter<DesktopEvents> {
  /** Calls this desktop answered and saw released. */
  handled = 0;
  private answeredCount = 0;
  private readonly talking = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    readonly conn: TServerConnection,
    readonly options: AgentDesktopOptions,
  ) {
    super();
    const { dn } = options;
    // Named-event listeners are typed: `e` is EventRinging here.
    conn.on('EventRinging', (e) => {
      if (e.ThisDN !== dn || this.stopped) return;
      this.act(`answer ${e.ConnID}`, async () => {
        await conn.answerCall(dn, e.ConnID);
        this.emit('answered', e.ConnID);
      });
    });
    conn.on('EventEstablished', (e) => {
      if (e.ThisDN !== dn || this.stopped || this.talking.has(e.ConnID)) return;
      const n = ++this.answeredCount;
      this.act(`attach user data to ${e.ConnID}`, async () => {
        await conn.attachUserData(dn, e.ConnID, options.userData(e.ConnID, n));
        this.emit('attached', e.ConnID);
      });
      this.talking.set(
        e.ConnID,
        setTimeout(() => this.act(`release ${e.ConnID}`, () => this.release(e.ConnID)), options.talkMs),
      );
    });
    conn.on('EventAttachedDataChanged', (e) => {
      if (e.ThisDN === dn) options.log(`desktop: call ${e.ConnID} now carries CaseID=${String(kvGet(e.UserData, 'CaseID'))}`);
    });
    conn.on('EventReleased', (e) => {
      if (e.ThisDN === dn) this.ended(e.ConnID);
    });
  }

  private ended(connId: string): void {
    const timer = this.talking.get(connId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.talking.delete(connId);
    this.handled++;
    this.emit('released', connId);
  }

  /** Register the DN, log the agent in (or find it logged in already) and make it ready. */
  async start(): Promise<void> {
    const { dn, agentId, log } = this.options;
    const reg = await this.conn.registerAddress(dn);
    log(`desktop: DN ${dn} registered on ${this.options.label?.(reg.Server) ?? reg.Server}`);
    try {
      await this.conn.agentLogin(dn, agentId);
    } catch (err) {
      // 56: an agent is already logged in there (a previous run, or a real switch). Carry on.
      if (!(err instanceof TServerError && err.errorCode === 56)) throw err;
      log(`desktop: ${err.errorMessage ?? 'agent already logged in'}; carrying on`);
    }
    await this.conn.agentReady(dn);
    log(`desktop: agent ${agentId} ready on DN ${dn}`);
  }

  /** Resolves when `event` fires for `connId` (or rejects after `timeoutMs`). */
  next(event: 'answered' | 'attached' | 'released', connId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, on);
        reject(new Error(`call ${connId} was not ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (id: string) => {
        if (id !== connId) return;
        clearTimeout(timer);
        this.off(event, on);
        resolve();
      };
      this.on(event, on);
    });
  }

  /** Stop reacting, log the agent out. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.talking.values()) clearTimeout(timer);
    this.talking.clear();
    await this.conn.agentLogout(this.options.dn);
  }

  /**
   * RequestReleaseCall is not idempotent: if the connection dropped while it was in flight, the
   * SDK rejects it with RequestInterruptedError (outcome unknown) rather than guess. Ask the
   * server whether the call still exists (ErrorCode 57: no such call) before sending it again.
   */
  private async release(connId: string): Promise<void> {
    try {
      await this.conn.releaseCall(this.options.dn, connId);
    } catch (err) {
      if (!(err instanceof RequestInterruptedError)) throw err;
      this.options.log(`desktop: release of ${connId} interrupted by the failover; checking the call`);
      try {
        await this.conn.queryCall(connId);
      } catch (q) {
        if (q instanceof TServerError && q.errorCode === 57) {
          this.ended(connId); // it was released after all; its EventReleased went down with the server
          return;
        }
        throw q;
      }
      await this.conn.releaseCall(this.options.dn, connId);
    }
  }

  private act(what: string, fn: () => Promise<void>): void {
    fn().catch((err: Error) => {
      if (this.stopped) return;
      this.options.log(`desktop: could not ${what}: ${err.message}`);
      this.emit('problem', err);
    });
  }
}
