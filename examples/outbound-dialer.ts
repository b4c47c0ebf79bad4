/**
 * examples/outbound-dialer.ts — an outbound campaign: predictive calls for a routing point.
 *
 * `conn.dialer()` places a predictive call (RequestMakePredictiveCall) per number for routing point
 * 5000 and reports how each ended: a person answered, an answering machine, busy, no answer, a SIT
 * tone, a fax. A call a person answered arrives at the routing point as any call, and `conn.route()`
 * sends it to a free agent; one a machine answered is disconnected there (RouteType CallDisconnect).
 * Against the simulator it dials 200 numbers with mixed outcomes, kills the primary in the middle
 * of the campaign, and checks that every number's outcome was reported once and that no number was
 * dialled twice (counted at the switch).
 *
 * Run against the in-process simulator pair (exits 0 when done):
 *   npx tsx examples/outbound-dialer.ts [--numbers 200]
 * Against a real T-Server (dials the numbers given, prints each outcome):
 *   npx tsx examples/outbound-dialer.ts --primary 127.0.0.1:7000 [--backup …] --target 5000 \
 *     --dial +15550100,+15550101 [--agents 1001,1002]
 */
import { parseArgs } from 'node:util';
import { type DialError, type DialResult, RouteType, TServerConnection } from 'tlib-client';
import { type DialOutcomeSpec, HotStandbyPair } from 'tlib-client/simulator';

const say = (text: string) => console.log(`== ${text}`);

const USAGE = `usage: npx tsx examples/outbound-dialer.ts [--numbers 200]
       npx tsx examples/outbound-dialer.ts --primary host:port [--backup host:port] [--target 5000]
         --dial NUMBER,… [--agents DN,…]

Places predictive calls for a routing point and reports each outcome (answered, machine, busy, no
answer, SIT, fax); answered calls are routed to the agents. Without --primary it runs a simulator
pair, dials numbers with mixed outcomes, kills the primary midway, and checks each outcome was
reported once and no number was dialled twice.`;

/** What each simulated number does, in turn: who or what answers, and after how long. */
const FAR_ENDS: ReadonlyArray<{ spec: DialOutcomeSpec; expect: DialResult['outcome'] }> = [
  { spec: 'answer', expect: 'answered' },
  { spec: { outcome: 'machine', afterMs: 40 }, expect: 'machine' },
  { spec: { outcome: 'busy', afterMs: 20 }, expect: 'busy' },
  { spec: 'noAnswer', expect: 'noAnswer' },
  { spec: { outcome: 'sit', callState: 12, afterMs: 10 }, expect: 'sit' },
  { spec: { outcome: 'fax', afterMs: 30 }, expect: 'fax' },
];

const args = parseArgs({
  options: {
    primary: { type: 'string' },
    backup: { type: 'string' },
    target: { type: 'string' },
    numbers: { type: 'string' },
    dial: { type: 'string' },
    agents: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (args.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const target = args.values.target ?? '5000';
const agents = (args.values.agents ?? '1001,1002,1003,1004').split(',');
const count = Number(args.values.numbers ?? 200);
if (!Number.isInteger(count) || count < 1 || count > 10_000)
  throw new Error(`--numbers must be a whole number from 1 to 10000, got "${args.values.numbers}"`);

// Without --primary, a simulated hot-standby pair runs in this process.
const pair = args.values.primary ? undefined : await HotStandbyPair.start({ routingPoints: [{ dn: target, timeoutMs: 60_000 }] });
const numbers = args.values.dial?.split(',') ?? Array.from({ length: count }, (_, i) => `+1555020${String(i).padStart(4, '0')}`);
const expected = new Map<string, DialResult['outcome']>();
const dialled = new Map<string, number>();
if (pair) {
  numbers.forEach((n, i) => {
    const far = FAR_ENDS[i % FAR_ENDS.length];
    pair.setDialOutcome(n, far.spec);
    expected.set(n, far.expect);
  });
  // What the switch receives, whichever server is primary: a number dialled twice would show here.
  for (const server of [pair.a, pair.b]) {
    server.on('request', (r: { name: string; attributes: Record<string, unknown> }) => {
      if (r.name === 'RequestMakePredictiveCall')
        dialled.set(String(r.attributes.OtherDN), (dialled.get(String(r.attributes.OtherDN)) ?? 0) + 1);
    });
  }
}

const conn = new TServerConnection({
  primary: args.values.primary ?? pair!.addresses.primary,
  backup: args.values.backup ?? pair?.addresses.backup,
  applicationName: 'outbound-dialer',
  requestTimeoutMs: 10_000,
});
const names = new Map(pair ? [pair.a, pair.b].map((server) => [server.url, server.name]) : []);
conn.on('EventPrimaryChanged', (e) => say(`failover: ${names.get(e.Server) ?? e.Server} is the primary now`));
await conn.open();

// Answered calls arrive at the routing point: a person goes to the next agent, a machine is dropped.
let nextAgent = 0;
const rp = await conn.route(target, (call) =>
  call.event.CallState === 9 ? { routeType: RouteType.CallDisconnect } : agents[nextAgent++ % agents.length],
);
rp.on('error', (err) => say(`route problem: ${err.code} ${err.message}`));

const dialer = conn.dialer({ maxInFlight: 20 });
const reported = new Map<string, number>();
dialer.on('outcome', (r) => reported.set(r.number, (reported.get(r.number) ?? 0) + 1));
say(`dialling ${numbers.length} numbers for ${target}, at most 20 at once`);
const campaign = Promise.allSettled(numbers.map((n) => dialer.dial(target, n, { timeoutMs: 500, userData: { Campaign: 'example' } })));

if (pair) {
  // The primary dies in the middle of the campaign; the dials in flight learn their outcome from the new one.
  const deadline = Date.now() + 30_000;
  while (dialer.stats().sent < numbers.length / 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  say(`killing the primary after ${dialer.stats().sent} dials sent`);
  await pair.killPrimary();
}

const results = await campaign;
const tally = new Map<string, number>();
let mismatched = 0;
results.forEach((r, i) => {
  const key = r.status === 'fulfilled' ? r.value.outcome : (r.reason as DialError).code;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  if (r.status === 'fulfilled' && pair && r.value.outcome !== expected.get(numbers[i])) mismatched++;
  if (!pair)
    say(
      `${numbers[i]}: ${r.status === 'fulfilled' ? `${r.value.outcome} (CallState ${r.value.callState}, call ${r.value.connId})` : (r.reason as Error).message}`,
    );
});
say(`outcomes: ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`);
const s = dialer.stats();
await rp.onIdle(); // the answered calls' routes landed: stats() counts each
say(
  `dialer: sent ${s.sent}, learned by asking ${s.checked}, unknown ${s.unknown}, refused ${s.refused}; routed answered calls ${rp.stats().routed}`,
);
await dialer.close();
await rp.close();
await conn.close();

if (pair) {
  await pair.stop();
  const twice = numbers.filter((n) => (dialled.get(n) ?? 0) > 1).length;
  const reportedTwice = numbers.filter((n) => (reported.get(n) ?? 0) > 1).length;
  say(
    `${numbers.length} numbers: each settled once, ${twice} dialled twice, ${reportedTwice} reported twice, ${mismatched} with another outcome than the far end's`,
  );
  if (twice + reportedTwice + mismatched > 0 || results.length !== numbers.length)
    throw new Error('the campaign did not go as the switch says');
  say('outbound-dialer done');
}
