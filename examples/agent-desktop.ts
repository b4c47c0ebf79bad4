/**
 * examples/agent-desktop.ts — an agent desktop's call control, surviving a T-Server failover.
 *
 * Shows: registering a DN, agent login → ready; answering, updating user data, hold, retrieve;
 * consulting a colleague and completing the transfer (the customer's call keeps its ConnID, the
 * colleague gets EventPartyChanged); the conference variant (complete, then drop the colleague);
 * after-call work (NotReady with AgentWorkMode 3) and ready again. The primary is killed in the
 * middle of the first consultation: the connection fails over, resyncs (querying the held call and
 * the consultation), and the transfer completes on the new primary. After the failover it prints
 * the connection's state model (`conn.calls`, `conn.dns`: what a desktop binds its screen to), and
 * the colleague's after the transfer (the call under the held call's ConnID, `was` the
 * consultation's). The steps are in examples/lib/desktop.ts (CallControlDesk), one helper each.
 *
 * Run against an in-process simulator pair (agent 1001, colleague 1002; two calls; exits 0):
 *   npx tsx examples/agent-desktop.ts
 * Run against a real T-Server (answers calls until Ctrl-C, then logs out and exits 0):
 *   npx tsx examples/agent-desktop.ts --primary 127.0.0.1:7000 [--backup 127.0.0.1:7001] [--dn 1001] [--agent agent-1] [--colleague 1002]
 */
import { inspect } from 'node:util';
import { TServerConnection, type EventRinging, type ResyncSummary } from '../src/index.js';
import { CallControlDesk } from './lib/desktop.js';
import { formatEvent, formatState, say } from './lib/format.js';
import { parseExampleArgs, run, sleep, startTarget, untilSignal, watchdog } from './lib/target.js';

const USAGE = `usage: npx tsx examples/agent-desktop.ts [--primary host:port [--backup host:port]] [--dn DN] [--agent ID] [--colleague DN]

Without --primary, starts a simulator pair in this process with an agent (1001) and a colleague
(1002): answers a call, holds and retrieves it, consults the colleague, kills the primary during
the consultation, completes the transfer on the new primary; then a second call conferenced with
the colleague; after-call work and ready after each; exits. With --primary, answers calls until
Ctrl-C (hold, retrieve, transfer to --colleague if given, else release; after-call work, ready).`;

/** How long the agent "talks" between steps in the simulated run (ms). */
const TALK_MS = 100;

run(async () => {
  const args = parseExampleArgs(process.argv.slice(2), USAGE, {
    dn: { type: 'string' },
    agent: { type: 'string' },
    colleague: { type: 'string' },
  });
  const dn = (args.values.dn as string | undefined) ?? '1001';
  const agentId = (args.values.agent as string | undefined) ?? 'agent-1';
  const target = await startTarget(args);
  const { pair, label } = target;
  if (pair) watchdog(15_000, 'agent-desktop');

  const connect = (applicationName: string) =>
    new TServerConnection({
      primary: target.primary,
      backup: target.backup,
      applicationName,
      addp: { timeoutMs: 2_000, remoteTimeoutMs: 2_000 },
    });
  const conn = connect('agent-desktop-example');
  conn.on('event', (e) => console.log(formatEvent(e, label)));
  // conn.state is a snapshot; stateChange fires when it moves (status, active/standby session).
  conn.on('stateChange', (s) => say(`conn.state: ${formatState(s, label)}`));
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
    await answerUntilSignal(desk, args.values.colleague as string | undefined);
  } else {
    const colleagueDN = (args.values.colleague as string | undefined) ?? '1002';
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
    say('the caller hangs up');
    pair.hangUp(call2);
    await desk.released(call2, since);
    await desk.afterCallWork();
    await sleep(TALK_MS);
    await desk.ready();
    say('handled 2 calls: 1 transferred across a failover, 1 conferenced');

    await colleague.stop();
    await colleagueConn.close();
  }

  await desk.stop();
  console.log(`final conn.state: ${inspect(conn.state, { breakLength: Infinity })}`);
  await conn.close();
  await target.stop();
  say('agent-desktop done');
});

/** conn.calls and conn.dns, one line each (the calls on the registered DNs, and the DNs' agent state). */
function printModel(conn: TServerConnection, when: string): void {
  say(`model ${when}: ${conn.calls.size} call${conn.calls.size === 1 ? '' : 's'}, ${conn.dns.size} DN${conn.dns.size === 1 ? '' : 's'}`);
  for (const call of conn.calls.values()) {
    const parties = Object.entries(call.parties).map(([dn, state]) => `${dn} ${state}`);
    const others = call.otherParties.length > 0 ? ` · with ${call.otherParties.join(', ')}` : '';
    const before = call.previousConnIds.length > 0 ? ` · was ${call.previousConnIds.join(', ')}` : '';
    say(`  call ${call.connId}: ${parties.join(', ')}${others} · CallType ${String(call.callType)}${before}`);
  }
  for (const dn of conn.dns.values()) {
    const agent = dn.agent.id !== undefined ? `agent ${dn.agent.id} ${dn.agent.status}` : 'no agent';
    say(`  DN ${dn.dn}: ${agent} · DND ${dn.dnd ? 'on' : 'off'} · calls ${dn.calls.join(', ') || 'none'}`);
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
  await untilSignal();
  conn.off('EventRinging', onRinging);
  await chain;
}
