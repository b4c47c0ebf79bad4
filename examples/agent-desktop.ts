/**
 * examples/agent-desktop.ts — an agent desktop that survives a T-Server failover.
 *
 * Shows: registering a DN, agent login → ready, answering ringing calls, attaching user data,
 * releasing; reading `conn.state` (status, active/standby server, link, DNs, calls) whenever it
 * changes; and that none of this code knows about failover — the connection keeps the same API
 * alive while it switches servers (the desktop logic is in examples/lib/desktop.ts).
 *
 * Run against an in-process simulator pair (places 3 calls, kills the primary during the second,
 * then logs out and exits 0):
 *   npx tsx examples/agent-desktop.ts
 * Run against a real T-Server (answers calls until Ctrl-C, then logs out and exits 0):
 *   npx tsx examples/agent-desktop.ts --primary 127.0.0.1:7000 [--backup 127.0.0.1:7001] [--dn 1001] [--agent agent-1]
 */
import { inspect } from 'node:util';
import { TServerConnection } from '../src/index.js';
import { AgentDesktop } from './lib/desktop.js';
import { formatEvent, formatState, say } from './lib/format.js';
import { parseExampleArgs, run, sleep, startTarget, untilSignal, watchdog } from './lib/target.js';

const USAGE = `usage: npx tsx examples/agent-desktop.ts [--primary host:port [--backup host:port]] [--dn DN] [--agent ID]

Without --primary, starts a simulator pair in this process, places 3 calls, kills the primary
during the second one and exits. With --primary, answers calls until Ctrl-C.`;

run(async () => {
  const args = parseExampleArgs(process.argv.slice(2), USAGE, { dn: { type: 'string' }, agent: { type: 'string' } });
  const dn = (args.values.dn as string | undefined) ?? '1001';
  const agentId = (args.values.agent as string | undefined) ?? 'agent-1';
  const target = await startTarget(args);
  const { pair, label } = target;
  if (pair) watchdog(20_000, 'agent-desktop');

  const conn = new TServerConnection({
    primary: target.primary,
    backup: target.backup,
    applicationName: 'agent-desktop-example',
    addp: { timeoutMs: 2_000, remoteTimeoutMs: 2_000 },
  });
  conn.on('event', (e) => console.log(formatEvent(e, label)));
  // conn.state is a snapshot; stateChange fires when it moves (status, active/standby session).
  conn.on('stateChange', (s) => say(`conn.state: ${formatState(s, label)}`));
  conn.on('error', (err) => say(`error ${err.code}: ${err.message}`));

  await conn.open();
  const desktop = new AgentDesktop(conn, {
    dn,
    agentId,
    talkMs: 300,
    userData: (_connId, n) => ({ CaseID: `CASE-${n}`, Reason: 'billing' }),
    log: say,
    label,
  });
  await desktop.start();

  if (!pair) {
    say(`answering calls on DN ${dn}; Ctrl-C to stop`);
    await untilSignal();
  } else {
    for (let i = 1; i <= 3; i++) {
      const connId = pair.primary.placeCall(dn, { from: `555010${i}` });
      if (i === 2) {
        await desktop.next('attached', connId, 5_000);
        say(`killing the primary ${pair.primary.name} during call ${i}`);
        await pair.killPrimary();
        // Requests made now wait in the SDK (or go to the new primary): nothing to do here.
        await sleep(100);
      }
      await desktop.next('released', connId, 5_000);
    }
    say(`handled ${desktop.handled} calls`);
  }

  await desktop.stop();
  console.log(`final conn.state: ${inspect(conn.state, { breakLength: Infinity })}`);
  await conn.close();
  await target.stop();
  say('agent-desktop done');
});
