/**
 * Two agent desktops, written only against the public API:
 *  - AgentDesktop (examples/demo.ts): registers its DN, logs the agent in and makes it ready, then
 *    reacts to events: EventRinging → answer; EventEstablished → attach user data; after a short
 *    talk time → release. It knows nothing about failover: the connection keeps the same API alive.
 *  - CallControlDesk (examples/agent-desktop.ts): the steps an agent clicks through — answer,
 *    user data, hold, retrieve, consult, complete a transfer or a conference, after-call work,
 *    ready — one SDK helper each, each printed.
 */
import { EventEmitter } from 'eventemitter3';
import {
  AgentWorkMode,
  RequestInterruptedError,
  TServerError,
  type KVListInput,
  type TEvent,
  type TServerConnection,
  kvGet,
} from '../../src/index.js';
import { formatKV } from './format.js';

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

// ---------------------------------------------------------------------------------------------
// The call-control desk: the steps an agent clicks through (answer, hold, retrieve, consult a
// colleague, complete the transfer or the conference, after-call work, ready), each one helper of
// the SDK, each printed. Used by examples/agent-desktop.ts, for the agent and for the colleague.

/** An event as the desk reads it: its name, the server it came from, and its attributes. */
type DeskEvent = TEvent & Record<string, unknown>;

export interface CallControlDeskOptions {
  dn: string;
  agentId: string;
  /** Where the desk says what it does. */
  log: (line: string) => void;
  /** Short name for a server address in the log. */
  label?: (server: string) => string;
  /** Bound on each wait for the switch or a person (ms). Default 5,000. */
  waitMs?: number;
}

/** Events the desk keeps to wait on (a wait may start after its event arrived). */
const JOURNAL_LIMIT = 200;

export class CallControlDesk {
  private readonly journal: DeskEvent[] = [];
  /** How many events were dropped from the front of the journal (keeps marks valid). */
  private dropped = 0;
  private readonly waitMs: number;
  private readonly onEvent = (e: TEvent): void => {
    const ev = e as DeskEvent;
    if (ev.ThisDN !== this.options.dn) return;
    this.journal.push(ev);
    if (this.journal.length > JOURNAL_LIMIT) {
      this.journal.shift();
      this.dropped++;
    }
  };

  constructor(
    readonly conn: TServerConnection,
    readonly options: CallControlDeskOptions,
  ) {
    this.waitMs = options.waitMs ?? 5_000;
    conn.on('event', this.onEvent);
  }

  private say(text: string): void {
    this.options.log(`${this.options.dn}: ${text}`);
  }

  /** Register the DN, log the agent in (or find it logged in already) and make it ready. */
  async start(): Promise<void> {
    const { dn, agentId } = this.options;
    const reg = await this.conn.registerAddress(dn);
    try {
      await this.conn.agentLogin(dn, agentId, { workMode: AgentWorkMode.ManualIn });
    } catch (err) {
      // 56: an agent is already logged in there (a previous run, or a real switch). Carry on.
      if (!(err instanceof TServerError && err.errorCode === 56)) throw err;
    }
    await this.conn.agentReady(dn);
    this.say(`registered on ${this.options.label?.(reg.Server) ?? reg.Server}, agent ${agentId} ready`);
  }

  /** A position in the journal: wait for events from here on. */
  mark(): number {
    return this.dropped + this.journal.length;
  }

  /** The first event at this DN since `since` that `match` accepts (waits up to `timeoutMs`). */
  waitFor(match: (e: DeskEvent) => boolean, what: string, since: number, timeoutMs = this.waitMs): Promise<DeskEvent> {
    const find = () => this.journal.slice(Math.max(0, since - this.dropped)).find(match);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.conn.off('event', on);
        reject(new Error(`${this.options.dn}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (): void => {
        const e = find();
        if (!e) return;
        clearTimeout(timer);
        this.conn.off('event', on);
        resolve(e);
      };
      this.conn.on('event', on);
    });
  }

  /** The next call that rings here (from `since`); its ConnID once answered. */
  async answerNext(since: number, timeoutMs = this.waitMs): Promise<string> {
    const ringing = (await this.waitFor((e) => e.Event === 'EventRinging', 'ringing call', since, timeoutMs)) as DeskEvent & {
      ConnID: string;
    };
    return this.answer(ringing);
  }

  /** Answers a ringing call (its EventRinging); its ConnID. */
  async answer(ringing: { ConnID: string; OtherDN?: unknown; ThirdPartyDN?: unknown }): Promise<string> {
    const connId = ringing.ConnID;
    await this.conn.answerCall(this.options.dn, connId);
    const via = ringing.ThirdPartyDN !== undefined ? ` via ${String(ringing.ThirdPartyDN)}` : '';
    this.say(`answered ${connId} from ${String(ringing.OtherDN ?? 'an anonymous caller')}${via}`);
    return connId;
  }

  async updateUserData(connId: string, data: KVListInput): Promise<void> {
    const e = await this.conn.updateUserData(this.options.dn, connId, data);
    this.say(`user data of ${connId} now ${formatKV(e.UserData)}`);
  }

  async hold(connId: string): Promise<void> {
    const e = await this.conn.holdCall(this.options.dn, connId);
    this.say(`held ${connId} (${e.Event})`);
  }

  async retrieve(connId: string): Promise<void> {
    const e = await this.conn.retrieveCall(this.options.dn, connId);
    this.say(`retrieved ${connId} (${e.Event})`);
  }

  /**
   * Consults `colleagueDN` about `connId` (which the switch holds first): initiateTransfer or
   * initiateConference. Resolves with the consultation's ConnID once the colleague answered.
   */
  async consult(connId: string, colleagueDN: string, kind: 'transfer' | 'conference', timeoutMs = this.waitMs): Promise<string> {
    const since = this.mark();
    const dialing =
      kind === 'transfer'
        ? await this.conn.initiateTransfer(this.options.dn, connId, colleagueDN)
        : await this.conn.initiateConference(this.options.dn, connId, colleagueDN);
    const consultation = dialing.ConnID;
    this.say(`consulting ${colleagueDN} for a ${kind}: ${connId} held, consultation ${consultation} dialled`);
    await this.waitFor(
      (e) => e.Event === 'EventEstablished' && e.ConnID === consultation,
      `answer of the consultation by ${colleagueDN}`,
      since,
      timeoutMs,
    );
    this.say(`${colleagueDN} answered the consultation ${consultation}`);
    return consultation;
  }

  /**
   * Completes a two-step transfer: the customer's call keeps its ConnID and goes to the colleague.
   * RequestCompleteTransfer is not idempotent: if a failover interrupts it (outcome unknown), ask
   * the new primary whether the consultation still exists (ErrorCode 57: no such call, the
   * transfer was done) before sending it again.
   */
  async completeTransfer(connId: string, consultation: string): Promise<void> {
    const done = await this.once(() => this.conn.completeTransfer(this.options.dn, connId, consultation), consultation, 'completeTransfer');
    this.say(`transfer completed: ${connId} is with the colleague now${done ? '' : ' (done before the failover)'}`);
  }

  /** Completes a conference: the colleague joins the customer's call (which keeps its ConnID). */
  async completeConference(connId: string, consultation: string): Promise<void> {
    const done = await this.once(
      () => this.conn.completeConference(this.options.dn, connId, consultation),
      consultation,
      'completeConference',
    );
    this.say(`conference completed: ${connId} has three parties${done ? '' : ' (done before the failover)'}`);
  }

  async dropFromConference(connId: string, otherDN: string): Promise<void> {
    const e = await this.conn.deleteFromConference(this.options.dn, connId, otherDN);
    this.say(`${otherDN} left the conference ${connId} (${e.Event})`);
  }

  async release(connId: string): Promise<void> {
    await this.conn.releaseCall(this.options.dn, connId);
    this.say(`released ${connId}`);
  }

  /** Waits until `connId` is released here (the other side hung up). */
  async released(connId: string, since: number, timeoutMs = this.waitMs): Promise<void> {
    await this.waitFor((e) => e.Event === 'EventReleased' && e.ConnID === connId, `release of ${connId}`, since, timeoutMs);
    this.say(`call ${connId} ended`);
  }

  /** After-call work: NotReady with AgentWorkMode 3, as the agent wraps up. */
  async afterCallWork(): Promise<void> {
    const e = await this.conn.agentNotReady(this.options.dn, { workMode: AgentWorkMode.AfterCallWork });
    this.say(`after-call work (${e.Event} AgentWorkMode ${String(e.AgentWorkMode)})`);
  }

  async ready(): Promise<void> {
    const e = await this.conn.agentReady(this.options.dn);
    this.say(`ready again (${e.Event})`);
  }

  /** Logs the agent out and stops listening. */
  async stop(): Promise<void> {
    this.conn.off('event', this.onEvent);
    await this.conn.agentLogout(this.options.dn);
  }

  /**
   * Runs a non-idempotent completion once. Interrupted by a failover: the consultation call still
   * existing on the new primary means it did not happen, so it is sent again; gone (57) means it
   * did. Resolves true when this call did it, false when it had been done before the failover.
   */
  private async once(send: () => Promise<unknown>, consultation: string, what: string): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (err) {
      if (!(err instanceof RequestInterruptedError)) throw err;
      this.say(`${what} interrupted by the failover; asking the new primary about ${consultation}`);
      try {
        await this.conn.queryCall(consultation);
      } catch (q) {
        if (q instanceof TServerError && q.errorCode === 57) return false;
        throw q;
      }
      await send();
      return true;
    }
  }
}
