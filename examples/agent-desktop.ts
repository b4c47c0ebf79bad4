/**
 * examples/agent-desktop.ts — an agent desktop's call control, surviving a T-Server failover.
 *
 * Shows: registering a DN, agent login → ready; answering, updating user data, hold, retrieve;
 * consulting a colleague and completing the transfer (the customer's call keeps its ConnID, the
 * colleague gets EventPartyChanged); the conference variant (complete, then drop the colleague);
 * after-call work: asked for with a reason code (NotReady with AgentWorkMode 3 and Reasons), and the
 * switch's own wrap-up time after a call (it ends by itself). The primary is killed in the
 * middle of the first consultation: the connection fails over, resyncs (querying the held call and
 * the consultation), and the transfer completes on the new primary. After the failover it prints
 * the connection's state model (`conn.calls`, `conn.dns`: what a desktop binds its screen to), and
 * the colleague's after the transfer — the customer's side: the call under the held call's ConnID
 * with the customer, CallState Transferred, `was` the consultation — and the agent's DN with its
 * reason code and when the switch's after-call work ends. The steps are the CallControlDesk class below, one SDK helper each: copy it
 * into a desktop of your own.
 *
 * Run against an in-process simulator pair (agent 1001, colleague 1002; two calls; exits 0):
 *   npx tsx examples/agent-desktop.ts
 * Run against a real T-Server (answers calls until Ctrl-C, then logs out and exits 0):
 *   npx tsx examples/agent-desktop.ts --primary 127.0.0.1:7000 [--backup 127.0.0.1:7001] [--dn 1001] [--agent agent-1] [--colleague 1002]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect, parseArgs } from 'node:util';
import {
  AgentWorkMode,
  CallState,
  type EventRinging,
  type KVListInput,
  RequestInterruptedError,
  type ResyncSummary,
  type TEvent,
  TServerConnection,
  TServerError,
  formatEventLine,
  kvToObject,
} from 'tlib-client';
import { HotStandbyPair } from 'tlib-client/simulator';

/** CallState numbers by name, for the model's lines (`CallState Transferred`). */
const CALL_STATE_NAMES = new Map<number, string>(Object.entries(CallState).map(([name, value]) => [value, name]));

/** How long the agent "talks" between steps in the simulated run (ms). */
const TALK_MS = 100;

// ---------------------------------------------------------------------------------------------
// The call-control desk: the steps an agent clicks through (answer, hold, retrieve, consult a
// colleague, complete the transfer or the conference, after-call work, ready), each one helper of
// the SDK, each printed. Used below for the agent and for the colleague.

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
    this.say(`user data of ${connId} now ${JSON.stringify(kvToObject(e.UserData ?? []))}`);
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

  /** After-call work: NotReady with AgentWorkMode 3 and a reason code, which the switch echoes on its answer. */
  async afterCallWork(reasonCode = 'notes'): Promise<void> {
    const e = await this.conn.agentNotReady(this.options.dn, {
      workMode: AgentWorkMode.AfterCallWork,
      reasons: { ReasonCode: reasonCode },
    });
    const echoed = kvToObject(e.Reasons ?? []).ReasonCode;
    this.say(`after-call work (${e.Event} AgentWorkMode ${String(e.AgentWorkMode)}, ReasonCode ${String(echoed)})`);
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

const { values } = parseArgs({
  options: {
    primary: { type: 'string' },
    backup: { type: 'string' },
    dn: { type: 'string' },
    agent: { type: 'string' },
    colleague: { type: 'string' },
  },
});
const dn = values.dn ?? '1001';
const agentId = values.agent ?? 'agent-1';
const say = (text: string) => console.log(`== ${text}`);
// Without --primary, a simulated hot-standby pair runs in this process.
const pair = values.primary ? undefined : await HotStandbyPair.start();
const names = new Map(pair ? [pair.a, pair.b].map((s) => [s.url, s.name]) : []);
const label = (server: string) => names.get(server) ?? server;

await (async () => {
  const connect = (applicationName: string) =>
    new TServerConnection({
      primary: values.primary ?? pair!.addresses.primary,
      backup: values.backup ?? pair?.addresses.backup,
      applicationName,
      addp: { timeoutMs: 2_000, remoteTimeoutMs: 2_000 },
    });
  const conn = connect('agent-desktop-example');
  conn.on('event', (e) => console.log(formatEventLine(e, new Date(), label)));
  // conn.state is a snapshot; stateChange fires when it moves (status, active/standby session).
  conn.on('stateChange', (s) =>
    say(`conn.state: ${s.status} · active ${label(s.active ?? 'none')} · standby ${label(s.standby ?? 'none')}`),
  );
  conn.on('error', (err) => say(`error ${err.code}: ${err.message}`));
  conn.on('resynced', (s) =>
    say(
      `resynced on ${label(s.server)}: ${s.dns} DN, ${s.calls} calls queried, ${s.errors.length} errors, ${s.corrections.length} corrections`,
    ),
  );
  await conn.open();
  const desk = new CallControlDesk(conn, { dn, agentId, log: (line) => say(`desktop ${line}`), label });
  await desk.start();

  if (!pair) {
    await answerUntilSignal(desk, values.colleague);
  } else {
    const colleagueDN = values.colleague ?? '1002';
    // The colleague's desktop: another connection, another agent.
    const colleagueConn = connect('agent-desktop-colleague');
    await colleagueConn.open();
    const colleague = new CallControlDesk(colleagueConn, {
      dn: colleagueDN,
      agentId: 'agent-2',
      log: (line) => say(`colleague ${line}`),
      label,
    });
    await colleague.start();

    // ---- Call 1: answer, user data, hold, retrieve, consult, failover, transfer, after-call work.
    say('call 1: answer, hold, retrieve, consult the colleague, transfer (the primary dies during the consultation)');
    let since = desk.mark();
    pair.placeCall(dn, { from: '5550101', userData: [['Language', 'en']] });
    const call1 = await desk.answerNext(since);
    await desk.updateUserData(call1, { CaseID: 'CASE-1', Reason: 'billing' });
    await desk.hold(call1);
    await sleep(TALK_MS);
    await desk.retrieve(call1);
    let colleagueSince = colleague.mark();
    const [consult1] = await Promise.all([desk.consult(call1, colleagueDN, 'transfer'), colleague.answerNext(colleagueSince)]);

    say(`killing the primary ${pair.primary.name} during the consultation`);
    const resynced = nextResync(conn);
    colleagueSince = colleague.mark();
    await pair.killPrimary();
    await resynced;
    // The connection's state model after the failover: what a desktop binds its screen to.
    printModel(conn, 'after the failover');
    await desk.completeTransfer(call1, consult1);
    const changed = await colleague.waitFor(
      (e) => e.Event === 'EventPartyChanged' && e.ConnID === call1,
      'the transferred call',
      colleagueSince,
    );
    say(
      `colleague ${colleagueDN}: EventPartyChanged on ${label(changed.Server)}: now ${call1} (was ${String(changed.PreviousConnID)}), transferred by ${String(changed.ThirdPartyDN)}`,
    );
    printModel(colleagueConn, `of the colleague's desktop after the transfer`);
    await desk.afterCallWork();
    printModel(conn, 'in after-call work');
    await sleep(TALK_MS);
    await desk.ready();
    await colleague.release(call1);

    // ---- Call 2: the conference variant.
    say('call 2: answer, consult the colleague, conference, drop the colleague, the caller hangs up');
    since = desk.mark();
    pair.placeCall(dn, { from: '5550102' });
    const call2 = await desk.answerNext(since);
    colleagueSince = colleague.mark();
    const [consult2] = await Promise.all([desk.consult(call2, colleagueDN, 'conference'), colleague.answerNext(colleagueSince)]);
    await desk.completeConference(call2, consult2);
    await sleep(TALK_MS);
    await desk.dropFromConference(call2, colleagueDN);
    since = desk.mark();
    // The switch's own after-call work: a wrap-up time after each call, which ends by itself.
    pair.setWrapUpTime(1);
    say('the caller hangs up');
    pair.hangUp(call2);
    await desk.released(call2, since);
    const wrapUp = await desk.waitFor((e) => e.Event === 'EventAgentAfterCallWork' || e.Event === 'EventAgentNotReady', 'wrap-up', since);
    say(`desktop ${dn}: the switch's after-call work (${wrapUp.Event})`);
    printModel(conn, "in the switch's after-call work");
    await desk.waitFor((e) => e.Event === 'EventAgentReady', 'the end of the wrap-up time', since);
    say(`desktop ${dn}: ready again when the wrap-up time ended (EventAgentReady from the switch)`);
    say('handled 2 calls: 1 transferred across a failover, 1 conferenced');

    await colleague.stop();
    await colleagueConn.close();
  }

  await desk.stop();
  console.log(`final conn.state: ${inspect(conn.state, { breakLength: Infinity })}`);
  await conn.close();
  await pair?.stop();
  say('agent-desktop done');
})();

/** conn.calls and conn.dns, one line each (the calls on the registered DNs, and the DNs' agent state). */
function printModel(conn: TServerConnection, when: string): void {
  say(`model ${when}: ${conn.calls.size} call${conn.calls.size === 1 ? '' : 's'}, ${conn.dns.size} DN${conn.dns.size === 1 ? '' : 's'}`);
  for (const call of conn.calls.values()) {
    const parties = Object.entries(call.parties).map(([dn, state]) => `${dn} ${state}`);
    const others = call.otherParties.length > 0 ? ` · with ${call.otherParties.join(', ')}` : '';
    const state = call.callState !== undefined ? ` · CallState ${CALL_STATE_NAMES.get(call.callState) ?? call.callState}` : '';
    const before = call.previousConnIds.length > 0 ? ` · was ${call.previousConnIds.join(', ')}` : '';
    say(`  call ${call.connId}: ${parties.join(', ')}${others} · CallType ${String(call.callType)}${state}${before}`);
  }
  for (const dn of conn.dns.values()) {
    const agent = dn.agent.id !== undefined ? `agent ${dn.agent.id} ${dn.agent.status}` : 'no agent';
    const reason = dn.agent.reasonCode !== undefined ? ` · reason ${dn.agent.reasonCode}` : '';
    const until =
      dn.agent.afterCallWorkUntil !== undefined ? ` · until ${new Date(dn.agent.afterCallWorkUntil).toISOString().slice(11, 19)}` : '';
    say(`  DN ${dn.dn}: ${agent}${reason}${until} · DND ${dn.dnd ? 'on' : 'off'} · calls ${dn.calls.join(', ') || 'none'}`);
  }
}

function nextResync(conn: TServerConnection, timeoutMs = 5_000): Promise<ResyncSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('resynced', on);
      reject(new Error(`no resync within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (s: ResyncSummary) => {
      clearTimeout(timer);
      conn.off('resynced', on);
      resolve(s);
    };
    conn.on('resynced', on);
  });
}

/**
 * Against a real T-Server: each call that rings is answered, gets user data, is held and
 * retrieved, then transferred to `colleagueDN` (if given and it answers) or released after a
 * while; after-call work, then ready. One call at a time; Ctrl-C stops.
 */
async function answerUntilSignal(desk: CallControlDesk, colleagueDN: string | undefined): Promise<void> {
  const { conn } = desk;
  const dn = desk.options.dn;
  let chain = Promise.resolve();
  let n = 0;
  const onRinging = (e: EventRinging): void => {
    if (e.ThisDN !== dn) return;
    chain = chain
      .then(async () => {
        const connId = await desk.answer(e);
        await desk.updateUserData(connId, { CaseID: `CASE-${++n}` });
        await desk.hold(connId);
        await sleep(1_000);
        await desk.retrieve(connId);
        if (colleagueDN !== undefined) {
          const consultation = await desk.consult(connId, colleagueDN, 'transfer', 30_000);
          await desk.completeTransfer(connId, consultation);
        } else {
          await sleep(3_000);
          await desk.release(connId);
        }
        await desk.afterCallWork();
        await sleep(2_000);
        await desk.ready();
      })
      .catch((err: Error) => say(`desktop: call ${e.ConnID}: ${err.message}`));
  };
  conn.on('EventRinging', onRinging);
  say(`answering calls on DN ${dn}; Ctrl-C to stop`);
  await new Promise((resolve) => process.once('SIGINT', resolve));
  conn.off('EventRinging', onRinging);
  await chain;
}
