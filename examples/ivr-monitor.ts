/**
 * examples/ivr-monitor.ts — the IVR Server's MonitorInfo XML stream from a T-Server connection.
 *
 * Shows: `MonitorBridge` (tlib-client/ivr) turning TServerConnection events into the seed's
 * MonitorInfo messages — `<Server Status='OK'|'Unavailable'/>` for the T-Server, `<Agent PortNum
 * Status/>` for agents on IVR ports (ports map to DNs), a `queryAgent(port, reqId)` answered with
 * the request's ReqId, `<Port Status='Unavailable'/>` when a port leaves the configuration — read
 * with `for await`, through a failover of the hot-standby pair.
 *
 * Run against an in-process simulator pair (logs an agent in on port 01, queries it, kills the
 * primary — Unavailable, then OK from the new primary — carries on, then exits 0):
 *   npx tsx examples/ivr-monitor.ts
 * Against a real T-Server (prints the stream until Ctrl-C, then exits 0):
 *   npx tsx examples/ivr-monitor.ts --primary 127.0.0.1:7000 [--backup 127.0.0.1:7001] [--ports 01=1001,02=1002] [--server-name TServer]
 */
import { parseArgs } from 'node:util';
import { TServerConnection } from 'tlib-client';
import { MonitorBridge, type MonitorBridgeOutput, type MonitorInfo } from 'tlib-client/ivr';
import { HotStandbyPair } from 'tlib-client/simulator';

const { values } = parseArgs({
  options: { primary: { type: 'string' }, backup: { type: 'string' }, ports: { type: 'string' }, 'server-name': { type: 'string' } },
});
/** --ports 01=1001,02=1002: the IVR's ports and the DN of each. */
const ports = Object.fromEntries(
  (values.ports ?? '01=1001,02=1002').split(',').map((item) => {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(item.trim());
    if (!m) throw new Error(`--ports wants PORT=DN[,PORT=DN…], got ${JSON.stringify(item)}`);
    return [m[1], m[2]];
  }),
);
const serverName = values['server-name'] ?? 'TServer';
// Without --primary, a simulated hot-standby pair runs in this process.
const pair = values.primary ? undefined : await HotStandbyPair.start();
const primary = values.primary ?? pair!.addresses.primary;

await (async () => {
  const conn = new TServerConnection({
    primary,
    backup: values.backup ?? pair?.addresses.backup,
    applicationName: 'ivr-monitor-example',
    reconnect: { minTimeoutMs: 100, maxTimeoutMs: 2_000 },
  });
  conn.on('error', (e) => console.error(`connection error: ${e.message}`));
  // Made before open(): its first message says there is no connection yet (Unavailable).
  const bridge = new MonitorBridge(conn, { serverName, ports });
  bridge.on('error', (e) => console.error(`bridge error: ${e.message}`));

  // The XML stream, as an IVR Server would send it.
  const seen: MonitorInfo[] = [];
  const waiters: Array<{ pred: (m: MonitorInfo) => boolean; resolve: () => void; from: number }> = [];
  const printer = (async () => {
    for await (const { xml, message } of bridge as AsyncIterable<MonitorBridgeOutput>) {
      console.log(xml);
      seen.push(message);
      for (const w of [...waiters]) {
        if (seen.slice(w.from).some(w.pred)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    }
  })();
  /** Resolves when a message matching `pred` has been printed after the `from`-th one. */
  const until = (pred: (m: MonitorInfo) => boolean, from = seen.length) =>
    new Promise<void>((resolve) => {
      if (seen.slice(from).some(pred)) resolve();
      else waiters.push({ pred, resolve, from });
    });
  const server = (status: string) => (m: MonitorInfo) => m.Subtype === 'Server' && m.Status === status;
  const agent = (port: string, status: string) => (m: MonitorInfo) => m.Subtype === 'Agent' && m.PortNum === port && m.Status === status;

  await conn.open();

  if (!pair) {
    console.error(`# monitoring ${Object.keys(ports).length} port(s) on ${primary}; Ctrl-C to stop`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  } else {
    const [p1, p2] = Object.keys(ports);
    const [dn1] = Object.values(ports);
    await until(server('OK'), 0);
    console.error(`# agent logs in on port ${p1} (DN ${dn1}), then Ready`);
    await conn.agentLogin(dn1, 'agent-1');
    await conn.agentReady(dn1);
    await until(agent(p1, 'Ready'));
    console.error(`# the IVR asks for port ${p1} (ReqId 1) and ${p2} (ReqId 2)`);
    await bridge.queryAgent(p1, 1);
    await bridge.queryAgent(p2, 2);
    await until((m) => m.ReqId === '2', 0);

    console.error(`# killing the primary (${pair.primary.name})`);
    const mark = seen.length;
    await pair.killPrimary();
    await until(server('Unavailable'), mark);
    await until(server('OK'), mark);
    console.error(`# ${pair.primary.name} is primary now; the agent goes NotReady there`);
    await conn.agentNotReady(dn1);
    await until(agent(p1, 'NotReady'));
    await bridge.queryAgent(p1, 3);
    await until((m) => m.ReqId === '3', 0);

    console.error(`# port ${p2} leaves the configuration`);
    bridge.setPorts({ [p1]: dn1 });
    await until((m) => m.Subtype === 'Port' && m.PortNum === p2);
    await conn.agentLogout(dn1);
    await until(agent(p1, 'LoggedOut'));

    const statuses = seen
      .slice(mark)
      .filter((m) => m.Subtype === 'Server')
      .map((m) => m.Status);
    if (statuses[0] !== 'Unavailable' || statuses[1] !== 'OK') {
      throw new Error(`expected Unavailable then OK through the failover, got ${statuses.join(', ')}`);
    }
  }

  bridge.close(); // ends the for-await loop and removes the bridge's listeners
  await printer;
  await conn.close();
  await pair?.stop();
  console.error(`# done: ${seen.length} MonitorInfo messages`);
})();
