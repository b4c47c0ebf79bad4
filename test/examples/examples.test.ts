/**
 * Every example run as users run them (tsx on examples/X.ts) against the simulator pair each starts
 * in its own process; each must end by itself with exit code 0 and print its key lines. Here
 * `tlib-client` is the source (tsconfig.json's paths); .ci/run runs the same files against the
 * packed package installed in a fresh project.
 *
 * Robust on a loaded 2-core machine: one child at a time (they compete for the same two cores
 * otherwise: the demo took 9–20 s run concurrently), `node --import tsx` (no npx wrapper, one
 * process to kill), a child timeout of CHILD_TIMEOUT_MS and a test timeout above it, so a slow
 * child fails with its own output rather than as a vitest timeout.
 */
import { describe, expect, it } from 'vitest';
import { explain, runNode } from './run-child.js';

/** A child alone takes 2–6 s; this is the bound for one under heavy load. */
const CHILD_TIMEOUT_MS = 60_000;
/** Above the child's bound, with room for the process to be killed and its output collected. */
const TEST_TIMEOUT_MS = CHILD_TIMEOUT_MS + 15_000;

const runExample = (file: string, args: string[] = [], timeoutMs = CHILD_TIMEOUT_MS) => runNode([file, ...args], { timeoutMs });

// Sequential on purpose (see the header); each test's timeout is above its child's.
describe('examples run against the in-process simulator', { timeout: TEST_TIMEOUT_MS }, () => {
  it('agent-desktop.ts: hold, retrieve, consult, transfer across a kill of the primary, conference, after-call work, the model', async () => {
    const r = await runExample('examples/agent-desktop.ts');
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out).toContain('desktop 1001: registered on tserver-a, agent agent-1 ready');
    expect(out).toContain('colleague 1002: registered on tserver-a, agent agent-2 ready');
    expect(out).toMatch(/desktop 1001: held [0-9a-f]{16} \(EventHeld\)/);
    expect(out).toMatch(/desktop 1001: retrieved [0-9a-f]{16} \(EventRetrieved\)/);
    expect(out).toContain('killing the primary tserver-a during the consultation');
    expect(out).toMatch(/tserver-b\s+EventPrimaryChanged/);
    expect(out).toMatch(/resynced on tserver-b: 1 DN, 2 calls queried, 0 errors, 0 corrections/);
    const [, call1, consult1] = out.match(/consulting 1002 for a transfer: ([0-9a-f]{16}) held, consultation ([0-9a-f]{16}) dialled/) ?? [];
    expect(call1, explain(r)).toBeDefined();
    expect(out).toContain('model after the failover: 2 calls, 1 DN');
    expect(out).toContain(`  call ${call1}: 1001 held · with 5550101`);
    expect(out).toContain(`  call ${consult1}: 1001 established · with 1002`);
    expect(out).toContain(`  DN 1001: agent agent-1 ready · DND off · calls ${call1}, ${consult1}`);
    expect(out).toContain(`desktop 1001: transfer completed: ${call1} is with the colleague now`);
    expect(out).toContain(`colleague 1002: EventPartyChanged on tserver-b: now ${call1} (was ${consult1}), transferred by 1001`);
    expect(out).toMatch(new RegExp(`call ${call1}: 1002 established .* · was ${consult1}`));
    expect(out).toMatch(/conference completed: [0-9a-f]{16} has three parties/);
    expect(out.match(/after-call work \(EventAgentNotReady AgentWorkMode 3, ReasonCode notes\)/g)).toHaveLength(1);
    // The customer's side after the transfer, the reason code and the switch's after-call work, from the state model.
    expect(out).toMatch(
      new RegExp(`call ${call1}: 1002 established · with 5550101 · CallType 2 · CallState Transferred · was ${consult1}`),
    );
    expect(out).toContain('  DN 1001: agent agent-1 afterCallWork · reason notes ·');
    expect(out).toMatch(/ {2}DN 1001: agent agent-1 afterCallWork · until \d\d:\d\d:\d\d ·/);
    expect(out).toContain('ready again when the wrap-up time ended (EventAgentReady from the switch)');
    expect(out).toContain('handled 2 calls: 1 transferred across a failover, 1 conferenced');
    expect(out).toMatch(/conn\.state: open · active tserver-b/);
    expect(out).toMatch(/final conn\.state: \{ status: 'open', active: '127\.0\.0\.1:\d+'/);
    expect(out).toContain('agent-desktop done');
  });

  it('routing-integration.ts: a skill router; a kill of the primary in a burst; every call routed exactly once', async () => {
    const r = await runExample('examples/routing-integration.ts');
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out).toContain('serving routing point 5000');
    expect(out).toMatch(/killing the primary after \d+ calls/);
    expect(out).toMatch(/failover: tserver-b is the primary now/);
    expect(out).toContain('60 calls: 60 routed exactly once, 0 never, 0 twice or more');
    expect(out).toMatch(/decisions: \d+ to a free agent, \d+ to a skill queue/);
    expect(out).toMatch(/router: routed 60, sending 0, defaulted 0, failed 0/);
    expect(out).toContain('routing-integration done');
  });

  it('outbound-dialer.ts: 200 numbers with mixed outcomes, a kill of the primary midway, each outcome reported once, none dialled twice', async () => {
    const r = await runExample('examples/outbound-dialer.ts');
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out).toContain('dialling 200 numbers for 5000, at most 20 at once');
    expect(out).toMatch(/killing the primary after \d+ dials sent/);
    expect(out).toMatch(/failover: tserver-b is the primary now/);
    expect(out).toMatch(/outcomes: .*answered \d+.*machine \d+.*busy \d+/);
    expect(out).toContain('200 numbers: each settled once, 0 dialled twice, 0 reported twice, 0 with another outcome');
    expect(out).toContain('outbound-dialer done');
  });

  it('integration-services.ts: user event, private service, transaction monitoring, agent reservation', async () => {
    const r = await runExample('examples/integration-services.ts');
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out).toContain('monitoring 5000 and 5001');
    expect(out).toContain('sendUserEvent answered by EventACK (UserEvent 48)');
    expect(out).toContain('EventUserEvent on 5000: Strategy=VIP, CustomerID=cust-42');
    expect(out).toContain('privateService(4001) answered by EventPrivateInfo 4001');
    expect(out).toMatch(/transaction monitoring started: SubscriptionID \d+/);
    expect(out).toMatch(/EventTransactionStatus for \d+: \{"Transaction":"route-request","Result":"routed"\}/);
    expect(out).toContain('agent agent-1 reserved on DN 1001 (EventAgentReserved)');
    expect(out).toMatch(/at route point 5000, Language=fr/);
    expect(out).toMatch(/transaction monitoring \d+ stopped/);
    expect(out).toContain('integration-services done');
  });

  it('ha-events.ts: link flap, switchover, kill with the link-event order rule, restart', async () => {
    const r = await runExample('examples/ha-events.ts');
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out).toContain('order OK: EventLinkDisconnected → EventLinkConnected');
    expect(out).toContain('order OK: EventPrimaryChanged → resynced');
    expect(out).toContain(
      'order OK: EventServerDisconnected → EventLinkDisconnected → EventPrimaryChanged → EventLinkConnected → resynced',
    );
    expect(out).toContain("'resynced' on tserver-b");
    expect(out).toContain("'resynced' on tserver-a");
    expect(out).toContain('standby session open again');
    expect(out).toContain('ha-events done');
  });

  it('async-iterator.ts: for await over conn.events({ signal }) ends when the signal aborts', async () => {
    const r = await runExample('examples/async-iterator.ts');
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out.match(/EventRinging/g)).toHaveLength(3);
    expect(out.match(/EventReleased/g)).toHaveLength(3);
    expect(out).toContain('loop ended after 6 events: signal aborted (three calls seen)');
    expect(out).toContain('async-iterator done');
  });

  it('a bad --primary fails at once, the SDK naming the option: exit 1', async () => {
    const r = await runExample('examples/agent-desktop.ts', ['--primary', 'no-port-here']);
    expect(r.code, explain(r)).toBe(1);
    expect(r.stderr).toMatch(/InvalidArgumentError: primary must be 'host:port'/);
  });
});

describe('the metrics example', { timeout: TEST_TIMEOUT_MS }, () => {
  it('metrics.ts: diagnostics_channel messages as counters and histograms, three reports, exit 0', async () => {
    const r = await runExample('examples/metrics.ts', ['--interval', '1']);
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out).toContain('channels: tlib:request:start, tlib:request:end, tlib:request:error');
    expect(out).toMatch(/-- report 1 \(every 1 s\)[\s\S]*-- report 3 \(every 1 s\)[\s\S]*-- final\n/);
    expect(out).toContain('killing the primary tserver-a');
    // The connection publishes: the final report counts the load, the failover and the resync.
    const final = out.slice(out.indexOf('-- final'));
    expect(final).toMatch(/requests ok\{RequestQueryServer\} [1-9]/);
    expect(final).toMatch(/latency\{RequestQueryServer\} n=[1-9]\d* mean=[\d.]+ max=[\d.]+ ms/);
    expect(final).toMatch(/sessions opened\{standby\} [1-9]/);
    expect(final).toContain('sessions lost 1');
    expect(final).toMatch(/failovers\{lost\} 1/);
    expect(final).toMatch(/resync duration n=1 /);
    expect(out).toContain('metrics done');
  });
});
