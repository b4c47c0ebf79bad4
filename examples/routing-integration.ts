/**
 * examples/routing-integration.ts — a real router on a routing point.
 *
 * `conn.route('5000', handler)` serves routing point 5000: for every call that arrives there the
 * handler reads the Skill the caller chose (user data) and returns a free agent with that skill,
 * or the skill's ACD queue when none is free (the queue hands the call to the first agent who
 * becomes Ready). Against the simulator it places a burst of calls, kills the primary in the middle
 * of it, and checks on the switch that every call was routed exactly once.
 *
 * Run against the in-process simulator pair (exits 0 when done):
 *   npx tsx examples/routing-integration.ts [--calls 60]
 * Against a real T-Server (routes until Ctrl-C; agents as DN:skill pairs):
 *   npx tsx examples/routing-integration.ts --primary 127.0.0.1:7000 [--backup …] --route-dn 5000 \
 *     --agents 1001:billing,1002:sales --queue billing:6001 --queue sales:6002
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type RouteRequest, type TEvent, TServerConnection, kvGet } from 'tlib-client';
import { HotStandbyPair } from 'tlib-client/simulator';

const say = (text: string) => console.log(`== ${text}`);

/** Who can take calls: DN → skill, and whether the agent is free (Ready, no call, not reserved). */
class AgentBoard {
  private readonly agents = new Map<string, { skill: string; ready: boolean; busy: boolean }>();
  constructor(agents: ReadonlyArray<[dn: string, skill: string]>) {
    for (const [dn, skill] of agents) this.agents.set(dn, { skill, ready: false, busy: false });
  }
  get dns(): string[] {
    return [...this.agents.keys()];
  }
  /** A free agent with `skill`, reserved for the call until it is released on that DN. */
  take(skill: string): string | undefined {
    for (const [dn, a] of this.agents) {
      if (a.skill === skill && a.ready && !a.busy) {
        a.busy = true;
        return dn;
      }
    }
    return undefined;
  }
  /** Follows the agents' events: Ready/NotReady, a call ringing (also from a queue), released. */
  follow(e: TEvent): void {
    const a = this.agents.get((e as { ThisDN?: string }).ThisDN ?? '');
    if (!a) return;
    if (e.Event === 'EventAgentReady') a.ready = true;
    else if (e.Event === 'EventAgentNotReady' || e.Event === 'EventAgentLogout') a.ready = false;
    else if (e.Event === 'EventRinging' || e.Event === 'EventEstablished') a.busy = true;
    else if (e.Event === 'EventReleased') a.busy = false;
  }
}

function parseAgents(text: string | undefined): Array<[string, string]> {
  const list = text ?? '1001:billing,1002:billing,1003:sales,1004:sales';
  return list.split(',').map((pair) => {
    const [dn, skill] = pair.split(':');
    if (!dn || !skill) throw new Error(`--agents: "${pair}" is not DN:skill`);
    return [dn, skill];
  });
}

await (async () => {
  const args = parseArgs({
    options: {
      primary: { type: 'string' },
      backup: { type: 'string' },
      'route-dn': { type: 'string' },
      agents: { type: 'string' },
      queue: { type: 'string', multiple: true },
      calls: { type: 'string' },
    },
  });
  const routeDN = (args.values['route-dn'] as string | undefined) ?? '5000';
  const board = new AgentBoard(parseAgents(args.values.agents as string | undefined));
  const queues = new Map<string, string>(
    ((args.values.queue as string[] | undefined) ?? ['billing:6001', 'sales:6002']).map((q) => q.split(':') as [string, string]),
  );
  const burst = Number((args.values.calls as string | undefined) ?? 60);
  if (!Number.isInteger(burst) || burst < 1 || burst > 5_000)
    throw new Error(`--calls must be a whole number from 1 to 5000, got "${String(args.values.calls)}"`);

  // Without --primary, a simulated hot-standby pair runs in this process.
  const pair = args.values.primary
    ? undefined
    : await HotStandbyPair.start({
        routingPoints: [{ dn: routeDN, defaultDestination: [...queues.values()][0] }],
        queues: [...queues.values()],
      });
  const names = new Map(pair ? [pair.a, pair.b].map((s) => [s.url, s.name]) : []);

  const conn = new TServerConnection({
    primary: args.values.primary ?? pair!.addresses.primary,
    backup: args.values.backup ?? pair?.addresses.backup,
    applicationName: 'skill-router',
    requestTimeoutMs: 10_000,
  });
  conn.on('event', (e) => board.follow(e));
  conn.on('EventPrimaryChanged', (e) => say(`failover: ${names.get(e.Server) ?? e.Server} is the primary now`));
  await conn.open();

  // The agents' DNs, watched for availability. On the simulator the agents log in on their skill's queue.
  for (const dn of board.dns) await conn.registerAddress(dn);
  if (pair) {
    for (const [dn, skill] of parseAgents(args.values.agents as string | undefined)) {
      await conn.agentLogin(dn, `agent-${dn}`, { ThisQueue: queues.get(skill) });
      await conn.agentReady(dn);
    }
  }

  // The router: a free agent with the caller's skill, else the skill's queue, else the switch's default.
  const decided = { agent: 0, queue: 0, default: 0 };
  const rp = await conn.route(
    routeDN,
    (call: RouteRequest) => {
      const skill = String(kvGet(call.userData, 'Skill') ?? 'billing');
      const agent = board.take(skill);
      const to = agent ?? queues.get(skill) ?? null;
      decided[agent ? 'agent' : to ? 'queue' : 'default']++;
      return to;
    },
    { timeoutMs: 3_000, fallback: queues.get('billing') ?? null },
  );
  rp.on('error', (err) => say(`route problem: ${err.code} ${err.message}`));
  say(`serving routing point ${routeDN}: agents ${board.dns.join(', ')}, queues ${[...queues].map(([s, q]) => `${s}→${q}`).join(', ')}`);

  if (!pair) {
    say('routing until Ctrl-C');
    await new Promise((resolve) => process.once('SIGINT', resolve));
    await rp.close();
    await conn.close();
    return;
  }

  // Simulated agents: answer what rings after a moment, talk briefly, hang up.
  conn.on('EventRinging', (e) => {
    if (!board.dns.includes(e.ThisDN)) return;
    const connId = e.ConnID;
    setTimeout(() => {
      if (!pair.call(connId)) return;
      pair.answerCall(connId, e.ThisDN);
      setTimeout(() => pair.call(connId) && pair.releaseCall(connId), 30);
    }, 10);
  });

  // A burst of callers, half for each skill; the primary is killed in the middle of it.
  const ids: string[] = [];
  for (let i = 0; i < burst; i++) {
    const skill = i % 2 === 0 ? 'billing' : 'sales';
    ids.push(pair.placeCall(routeDN, { from: `+1555010${String(i).padStart(4, '0')}`, userData: [['Skill', skill]] }));
    if (i === Math.floor(burst / 2)) {
      say(`killing the primary after ${i + 1} calls`);
      await pair.killPrimary();
    }
    await sleep(5);
  }

  // Every call must end routed once: count RequestRouteCall per ConnID on the switch.
  const deadline = Date.now() + 30_000;
  while (ids.some((id) => pair.routeCallCount(id) === 0) && Date.now() < deadline) await sleep(20);
  const counts = ids.map((id) => pair.routeCallCount(id));
  const once = counts.filter((n) => n === 1).length;
  // The switch counts a route when it gets it; the router, when its answer comes back. Wait for
  // the last answers (no call waiting, running or on the wire) so that stats() counts every call.
  await rp.onIdle();
  const s = rp.stats();
  say(
    `${burst} calls: ${once} routed exactly once, ${counts.filter((n) => n === 0).length} never, ${counts.filter((n) => n > 1).length} twice or more`,
  );
  say(`decisions: ${decided.agent} to a free agent, ${decided.queue} to a skill queue, ${decided.default} to the default route`);
  say(
    `router: routed ${s.routed}, sending ${s.sending}, defaulted ${s.defaulted}, failed ${s.failed}, fallback ${s.fellBack}, recovered after failover ${s.recovered}, handler p50 ${s.handlerMs.p50.toFixed(2)} ms p99 ${s.handlerMs.p99.toFixed(2)} ms`,
  );
  await rp.close();
  await conn.close();
  await pair.stop();
  if (once !== burst) throw new Error(`${burst - once} calls were not routed exactly once`);
  say('routing-integration done');
})();
