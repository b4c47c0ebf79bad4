/**
 * examples/integration-services.ts — what a routing or integration application does.
 *
 * Shows:
 *  - monitoring routing DNs (a route point 5000 and a queue 5001): register them and watch calls;
 *  - TSendUserEvent: `conn.sendUserEvent(dn, { UserData, CustomerID })`, answered by EventACK
 *    (UserEvent 48), and the EventUserEvent every client registered on that DN receives — us too;
 *  - a private service: `conn.privateService(PrivateMsgID, …)`, answered by EventPrivateInfo (or EventACK);
 *  - transaction monitoring: `conn.transactionMonitoring({ SubscriptionOperation: 1 })`, answered by
 *    EventACK carrying the SubscriptionID, then EventTransactionStatus for it, then a stop (2);
 *    the SDK re-subscribes on its own after a reconnect;
 *  - reserving an agent: `conn.reserveAgent({ AgentID, ThisDN, Timeout })` → EventAgentReserved.
 *
 * Run against the in-process simulator (exits 0 when done):
 *   npx tsx examples/integration-services.ts
 * Against a real T-Server (does the same requests, then watches the routing DNs until Ctrl-C):
 *   npx tsx examples/integration-services.ts --primary 127.0.0.1:7000 [--backup …] [--route-dn 5000] [--agent-dn 1001] [--agent agent-1]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type EventMap, type KVList, SubscriptionOperation, TServerConnection, formatEventLine, kvGet, kvToObject } from 'tlib-client';
import { HotStandbyPair } from 'tlib-client/simulator';

const { values } = parseArgs({
  options: {
    primary: { type: 'string' },
    backup: { type: 'string' },
    'route-dn': { type: 'string' },
    'queue-dn': { type: 'string' },
    'agent-dn': { type: 'string' },
    agent: { type: 'string' },
  },
});
const routeDN = values['route-dn'] ?? '5000';
const queueDN = values['queue-dn'] ?? '5001';
const agentDN = values['agent-dn'] ?? '1001';
const agentId = values.agent ?? 'agent-1';
const say = (text: string) => console.log(`== ${text}`);
const kv = (list: KVList | undefined) => JSON.stringify(kvToObject(list ?? []));
// Without --primary, a simulated hot-standby pair runs in this process.
const pair = values.primary ? undefined : await HotStandbyPair.start();

await (async () => {
  const conn = new TServerConnection({
    primary: values.primary ?? pair!.addresses.primary,
    backup: values.backup ?? pair?.addresses.backup,
    applicationName: 'integration-services-example',
  });
  conn.on('event', (e) => console.log(formatEventLine(e)));
  await conn.open();

  // 1. Monitor the routing DNs (and the agent's DN, to see the reservation).
  for (const dn of [routeDN, queueDN, agentDN]) await conn.registerAddress(dn);
  say(`monitoring ${routeDN} and ${queueDN}; registered DNs: ${conn.registeredDNs.join(', ')}`);

  // 2. TSendUserEvent. The ACK answers the request; the EventUserEvent is what every client
  //    registered on the DN gets. Listen before sending so it cannot be missed.
  const userEvent = once(conn, 'EventUserEvent', (e) => e.ThisDN === routeDN);
  const ack = await conn.sendUserEvent(routeDN, { UserData: { Strategy: 'VIP', Priority: 5 }, CustomerID: 'cust-42' });
  say(`sendUserEvent answered by ${ack.Event} (UserEvent ${ack.UserEvent})`);
  const ue = await userEvent;
  say(`EventUserEvent on ${ue.ThisDN}: Strategy=${String(kvGet(ue.UserData, 'Strategy'))}, CustomerID=${ue.CustomerID}`);

  // 3. A private service: vendor-specific; the answer's PrivateEvent and UserData say what it did.
  const priv = await conn.privateService(4001, { ThisDN: routeDN, UserData: { Query: 'queue-stats', Queue: queueDN } });
  // Answered by EventPrivateInfo or EventACK: narrow on `Event` to read the attributes.
  if (priv.Event === 'EventPrivateInfo')
    say(`privateService(4001) answered by EventPrivateInfo ${priv.PrivateEvent}: ${kv(priv.UserData)}`);
  else say(`privateService(4001) answered by ${priv.Event}`);

  // 4. Transaction monitoring: start → EventACK with SubscriptionID; statuses arrive as EventTransactionStatus.
  const started = await conn.transactionMonitoring({ SubscriptionOperation: SubscriptionOperation.Start, TransactionType: 1 });
  const subscriptionId = started.SubscriptionID;
  if (subscriptionId === undefined) throw new Error('EventACK for a start carried no SubscriptionID');
  say(`transaction monitoring started: SubscriptionID ${subscriptionId}`);
  if (pair) {
    const status = once(conn, 'EventTransactionStatus', (e) => e.SubscriptionID === subscriptionId);
    pair.primary.emitTransactionStatus(subscriptionId, [
      ['Transaction', 'route-request'],
      ['Result', 'routed'],
    ]);
    const st = await status;
    say(`EventTransactionStatus for ${st.SubscriptionID}: ${kv(st.Extensions)}`);
  }

  // 5. Reserve an agent for routing (the agent logs in on its DN first; on a real switch it already is).
  if (pair) await conn.agentLogin(agentDN, agentId);
  const reserved = await conn.reserveAgent({ AgentID: agentId, ThisDN: agentDN, Timeout: 5_000 });
  say(`agent ${reserved.AgentID} reserved on DN ${reserved.ThisDN} (${reserved.Event})`);

  // 6. A call arrives at the route point: a router would now pick the reserved agent.
  if (pair) {
    const ringing = once(conn, 'EventRinging', (e) => e.ThisDN === routeDN);
    const connId = pair.primary.placeCall(routeDN, { from: '5559999', userData: [['Language', 'fr']] });
    const r = await ringing;
    say(`call ${r.ConnID} at route point ${r.ThisDN}, Language=${String(kvGet(r.UserData, 'Language'))}: route it to ${agentDN}`);
    pair.primary.releaseCall(connId);
    await sleep(50); // the release reaches us before we log out
  } else {
    say('watching the routing DNs; Ctrl-C to stop');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }

  await conn.transactionMonitoring({ SubscriptionOperation: SubscriptionOperation.Stop, SubscriptionID: subscriptionId });
  say(`transaction monitoring ${subscriptionId} stopped`);
  if (pair) await conn.agentLogout(agentDN);
  await conn.close();
  await pair?.stop();
  say('integration-services done');
})();

/** The next event `name` that passes `filter`. */
function once<N extends keyof EventMap & string>(
  conn: TServerConnection,
  name: N,
  filter: (e: EventMap[N]) => boolean,
  timeoutMs = 5_000,
): Promise<EventMap[N]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off(name as never, on as never);
      reject(new Error(`no ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (e: EventMap[N]) => {
      if (!filter(e)) return;
      clearTimeout(timer);
      conn.off(name as never, on as never);
      resolve(e);
    };
    conn.on(name as never, on as never);
  });
}
