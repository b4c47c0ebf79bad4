/**
 * `tlib sim`'s commands in-process: each command against a real HotStandbyPair (a WireClient sees
 * the events it causes), then runSim itself fed by a stream and a --script file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parseCallArgs,
  runSimCommand,
  SIM_COMMANDS_HELP,
  SimCommandError,
  splitWords,
  type SimTarget,
} from '../../src/cli/sim-controls.js';
import { parseSimArgs, runSim, simUsage } from '../../src/cli/sim.js';
import { HotStandbyPair, TServerSimulator } from '../../src/simulator/index.js';
import { ManualClock } from '../simulator/manual-clock.js';
import { WireClient } from '../support/wire-client.js';

describe('command words', () => {
  it('splitWords keeps "quoted words" whole', () => {
    expect(splitWords('call 1001 from 555 data Queue="VIP Gold" Lang=fr')).toEqual([
      'call',
      '1001',
      'from',
      '555',
      'data',
      'Queue=VIP Gold',
      'Lang=fr',
    ]);
    expect(splitWords('  ')).toEqual([]);
  });

  it('parseCallArgs: from and data in any order; bad words say how to write them', () => {
    expect(parseCallArgs(['from', '5551234', 'data', 'Queue=Support', 'Lang=fr'])).toEqual({
      from: '5551234',
      userData: [
        ['Queue', 'Support'],
        ['Lang', 'fr'],
      ],
    });
    expect(parseCallArgs(['data', 'A=1', 'from', '9'])).toEqual({ from: '9', userData: [['A', '1']] });
    expect(parseCallArgs([])).toEqual({ from: undefined, userData: undefined });
    expect(() => parseCallArgs(['from'])).toThrow(SimCommandError);
    expect(() => parseCallArgs(['data', 'novalue'])).toThrow('call: user data must be key=value, got "novalue"');
    expect(() => parseCallArgs(['5551234'])).toThrow(/unexpected "5551234"/);
  });

  it('parseSimArgs: defaults to port 7000; usage errors quote the value', () => {
    expect(parseSimArgs([])).toMatchObject({ pair: false, port: 7000, host: '127.0.0.1', linkUp: true, repeat: 0, script: undefined });
    expect(parseSimArgs(['--pair', '--port', '0', '--script', 'x.txt'])).toMatchObject({ pair: true, port: 0, script: 'x.txt' });
    expect(() => parseSimArgs(['--port', '7e3'])).toThrow('--port must be a whole number from 0 to 65535, got "7e3"');
    expect(() => parseSimArgs(['--pair', '--port', '65535'])).toThrow(/no port for the backup/);
    expect(parseSimArgs(['-h'])).toBe('help');
    expect(parseSimArgs([])).toMatchObject({ routeDefault: '1001' });
    expect(parseSimArgs(['--route-default', 'none'])).toMatchObject({ routeDefault: undefined });
    expect(parseSimArgs(['--route-default', '2002'])).toMatchObject({ routeDefault: '2002' });
    expect(() => parseSimArgs(['--route-default', 'x'])).toThrow('--route-default must be a DN (1–15 digits) or none, got "x"');
    expect(simUsage()).toMatch(/^usage: tlib sim /);
    expect(simUsage('tlib-sim')).toMatch(/^usage: tlib-sim /);
    expect(simUsage()).not.toContain('{ host');
  });
});

describe('commands against a hot-standby pair', () => {
  let pair: HotStandbyPair;
  let client: WireClient;
  let target: SimTarget;
  let clock: ManualClock;
  const run = async (line: string) => (await runSimCommand(target, line)).lines.join('\n');

  beforeEach(async () => {
    clock = new ManualClock();
    pair = await HotStandbyPair.start({ host: '127.0.0.1', clock });
    target = { pair };
    client = await WireClient.connect(pair.addresses.primary);
    await client.register();
    await client.request('RequestRegisterAddress', { ThisDN: '1001' });
    await client.waitFor('EventRegistered');
  });
  afterEach(async () => {
    await client.close();
    await pair.stop();
  });

  it('call, answer, hangup: each prints what happened and the client sees it', async () => {
    const out = await run('call 1001 from 5551234 data Queue=Support');
    const connId = /ConnID ([0-9a-f]{16}) rings on DN 1001 from 5551234 data Queue=Support \(tserver-a\)/.exec(out)?.[1];
    expect(connId, out).toBeDefined();
    const ringing = await client.waitFor('EventRinging');
    expect(ringing.attributes).toMatchObject({ ThisDN: '1001', ConnID: connId, OtherDN: '5551234', UserData: [['Queue', 'Support']] });

    expect(await run(`status`)).toContain(`call ${connId}  ringing  to 1001 from 5551234  parties 1001:ringing`);
    expect(await run(`answer ${connId}`)).toBe(`call ${connId} answered (EventEstablished) on tserver-a`);
    await client.waitFor('EventEstablished');
    expect(await run(`hangup ${connId}`)).toBe(`call ${connId} hung up by the caller on tserver-a`);
    await client.waitFor('EventReleased');
    expect(await run('status')).toContain('no calls');
  });

  it('mistakes are reported, never thrown: unknown DN, unknown call, unknown command, missing words', async () => {
    expect(await run('call not-a-dn')).toMatch(/^error: .*unknown DN not-a-dn/);
    expect(await run('answer 0000000000000000')).toMatch(/^error: .*no call 0000000000000000/);
    expect(await run('dial 1001')).toBe('error: unknown command "dial" (help lists them)');
    expect(await run('call')).toBe('error: usage: call <dn> [from <ani>] [data k=v ...]');
    expect(await run('link sideways')).toBe('error: usage: link up|down [server]');
    expect(await run('kill zed')).toMatch(/^error: no server "zed" \(servers: tserver-a, tserver-b, primary, backup\)/);
    expect(await run('sleep forever')).toMatch(/^error: usage: sleep <ms>/);
    expect(await run('# a comment')).toBe('');
  });

  it('route <rp>: the call waits at the routing point and its router gets EventRouteRequest', async () => {
    await client.request('RequestRegisterAddress', { ThisDN: '5000' });
    await client.waitFor('EventRegistered');
    const out = await run('route 5000 from 5551234 data Skill=billing');
    const connId =
      /^ConnID ([0-9a-f]{16}) waits at routing point 5000 \(declared now\) for a route \(EventRouteRequest\) from 5551234 data Skill=billing \(tserver-a\); unrouted, it is released$/.exec(
        out,
      )?.[1];
    expect(connId, out).toBeDefined();
    const request = await client.waitFor('EventRouteRequest');
    expect(request.attributes).toMatchObject({ ThisDN: '5000', ConnID: connId, UserData: [['Skill', 'billing']] });
    expect(await run('status')).toContain(`call ${connId}  routing  to 5000 from 5551234`);
    expect(await run('route 5000')).toMatch(/waits at routing point 5000 for a route/); // declared once
    expect(await run('route')).toBe('error: usage: route <rp> [from <ani>] [data k=v ...]');
  });

  it('digits, outcome, wrapup: the caller’s keys, what a predictive call meets, after-call work', async () => {
    await client.request('RequestRegisterAddress', { ThisDN: '5000', AddressType: 4 });
    const connId = pair.placeCall('5000', { from: '5551234' });
    expect(await run(`digits ${connId} 12#`)).toBe(`the caller of ${connId} pressed 12#`);
    expect(pair.call(connId)?.digits).toBe('12#');
    expect(await run(`digits ${connId} 12x`)).toMatch(/^error: digits must be 1–64 of 0-9 \* # A-D/);
    expect(await run('digits')).toBe('error: usage: digits <connid> <keys> (status lists the calls)');

    expect(await run('outcome 5550100 busy after 800')).toBe('predictive calls to 5550100: busy after 800 ms');
    expect(pair.shared.dialOutcomes.get('5550100')).toEqual({ outcome: 'busy', afterMs: 800, callState: 6 });
    expect(await run('outcome 5550101 sit 13')).toBe('predictive calls to 5550101: sit (CallState 13) at once');
    expect(await run('outcome 5550102 noanswer')).toBe('predictive calls to 5550102: noAnswer at once');
    expect(await run('outcome 5550101 clear')).toBe('predictive calls to 5550101: a person answers at once (the default)');
    expect(pair.shared.dialOutcomes.has('5550101')).toBe(false);
    expect(await run('outcome 5550101 sit 20')).toMatch(/^error: callState is for a SIT outcome only: 8 or 11–16/);
    expect(await run('outcome 5550101 hangs')).toMatch(/^error: usage: outcome <number> answer\|machine/);
    const dialing = await client.request('RequestMakePredictiveCall', { ThisDN: '5000', OtherDN: '5550102', Timeout: 50 });
    expect(dialing.name).toBe('EventDialing');
    clock.advance(50);
    expect(
      (await client.waitFor((m) => m.name === 'EventReleased' && m.attributes.ConnID === dialing.attributes.ConnID)).attributes.CallState,
    ).toBe(7);

    expect(await run('wrapup 30')).toBe('after-call work: 30 s after each answered call');
    expect(pair.shared.settings.wrapUpSec).toBe(30);
    expect(await run('wrapup 0')).toBe('no after-call work');
    expect(await run('wrapup soon')).toBe('error: usage: wrapup <seconds>, a whole number (0: none)');
    pair.loginAgent('1001', 'ag1');
    expect(await run('status')).toMatch(/^agent ag1 on 1001 {2}loggedIn$/m);
  });

  it('route: a routing point’s unrouted call goes to the default destination (--route-default)', async () => {
    pair.setDefaultRouteDestination('1001');
    expect(await run('route 5001')).toMatch(/waits at routing point 5001 \(declared now\) .*; unrouted, it goes to 1001$/);
  });

  it('help says, for each command, what a connected client sees', () => {
    const lines = SIM_COMMANDS_HELP.split('\n');
    for (const command of [
      'call',
      'answer',
      'hangup',
      'route',
      'digits',
      'outcome',
      'wrapup',
      'kill',
      'restart',
      'switchover',
      'link',
      'freeze',
      'quit',
    ]) {
      const at = lines.findIndex((l) => l.startsWith(`  ${command}`));
      expect(at, command).toBeGreaterThan(0);
      // The command's line and its continuation lines (indented further) name an event or the client's state.
      const after = lines.slice(at + 1);
      const more = after.findIndex((l) => !/^ {20,}/.test(l));
      const block = [lines[at], ...after.slice(0, more < 0 ? after.length : more)].join(' ');
      expect(block, command).toMatch(/Event[A-Z]\w+|RequestTimeoutError|lose their socket|status\(\)/);
    }
  });

  it('link down|up: the client sees EventLinkDisconnected / EventLinkConnected', async () => {
    expect(await run('link down')).toBe('tserver-a CTI link down (EventLinkDisconnected)');
    await client.waitFor('EventLinkDisconnected');
    expect(await run('link down a')).toBe('tserver-a CTI link down already');
    expect(await run('link up primary')).toBe('tserver-a CTI link up (EventLinkConnected)');
    await client.waitFor('EventLinkConnected');
  });

  it('kill, then restart: the backup takes over, the old primary comes back as backup', async () => {
    const backupClient = await WireClient.connect(pair.addresses.backup);
    try {
      await backupClient.register();
      expect(await run('kill')).toBe('tserver-a killed; tserver-b is primary now (EventPrimaryChanged)');
      await backupClient.waitFor('EventPrimaryChanged');
      expect(await run('kill a')).toBe('error: tserver-a is not running (restart brings it back)');
      const restarted = await run('restart');
      expect(restarted).toMatch(/^tserver-a listening again on 127\.0\.0\.1:\d+ as backup$/);
      expect(await run('restart')).toBe('error: nothing to restart: every server is running');
      expect(await run('status')).toMatch(/^tserver-a  127\.0\.0\.1:\d+  backup  link up/m);
    } finally {
      await backupClient.close();
    }
  });

  it('switchover and freeze', async () => {
    expect(await run('switchover')).toBe('tserver-a → backup, tserver-b → primary (EventPrimaryChanged)');
    expect(pair.primary.name).toBe('tserver-b');
    expect(await run('freeze')).toBe('tserver-b frozen: answers nothing, sends nothing (freeze off to resume)');
    expect(pair.b.isFrozen).toBe(true);
    expect(await run('status')).toMatch(/^tserver-b .* FROZEN$/m);
    expect(await run('freeze off')).toBe('tserver-b answers again');
    expect(pair.b.isFrozen).toBe(false);
  });

  it('help lists every command; quit asks to stop', async () => {
    const help = await run('help');
    for (const c of [
      'call <dn>',
      'answer',
      'hangup',
      'route',
      'kill',
      'restart',
      'switchover',
      'link up|down',
      'freeze',
      'status',
      'sleep',
      'quit',
    ]) {
      expect(help).toContain(c);
    }
    expect(await runSimCommand(target, 'quit')).toEqual({ lines: ['stopping'], quit: true });
  });
});

describe('commands against one server', () => {
  it('switchover needs a pair; kill stops the server and restart brings it back', async () => {
    const server = new TServerSimulator({ host: '127.0.0.1' });
    await server.start();
    try {
      const target = { server };
      expect((await runSimCommand(target, 'switchover')).lines).toEqual(['error: switchover needs a hot-standby pair: start with --pair']);
      expect((await runSimCommand(target, 'kill')).lines).toEqual(['tserver-sim killed']);
      expect(server.isRunning).toBe(false);
      expect((await runSimCommand(target, 'restart')).lines[0]).toMatch(/^tserver-sim listening again on 127\.0\.0\.1:\d+ as primary$/);
      expect(server.isRunning).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('runSim', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlib-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads commands from its input, echoes each with the outcome, and stops on quit', async () => {
    const input = new PassThrough();
    const out: string[] = [];
    let target: SimTarget | undefined;
    const done = runSim(['--pair', '--port', '0'], {
      out: (l) => out.push(l),
      err: (l) => out.push(`ERR ${l}`),
      input,
      handleSignals: false,
      onReady: (t) => (target = t),
    });
    // Waits for the servers to listen (onReady).
    await expect.poll(() => target, { timeout: 5000 }).toBeDefined();
    expect(out[0]).toMatch(/^tlib sim: primary listening on 127\.0\.0\.1:\d+ \(tserver-a\)$/);
    expect(out[1]).toMatch(/^tlib sim: backup listening on 127\.0\.0\.1:\d+ \(tserver-b\)$/);
    input.write('call 1001\nstatus\nquit\n');
    expect(await done).toBe(0);
    expect(out.find((l) => l.startsWith('call 1001 → '))).toMatch(/^call 1001 → ConnID [0-9a-f]{16} rings on DN 1001 \(tserver-a\)$/);
    expect(out).toContain('quit → stopping');
    expect(out.at(-1)).toBe('tlib sim: stopped');
    expect('pair' in target! && target.pair.a.isRunning).toBe(false);
  });

  it('--script runs its commands with sleep between them; a typo does not stop it', async () => {
    const script = join(dir, 'story.txt');
    writeFileSync(script, '# a short story\ncall 1001 from 5551234\nsleep 20\nbogus\nkill\nsleep 10\nstatus\nquit\n');
    const out: string[] = [];
    const slept: number[] = [];
    const code = await runSim(['--pair', '--port', '0', '--script', script], {
      out: (l) => out.push(l),
      err: (l) => out.push(`ERR ${l}`),
      input: null,
      handleSignals: false,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(code, out.join('\n')).toBe(0);
    expect(slept).toEqual([20, 10]);
    const commands = out.filter((l) => l.includes(' → ')).map((l) => l.split(' → ')[0]);
    expect(commands).toEqual(['call 1001 from 5551234', 'sleep 20', 'bogus', 'kill', 'sleep 10', 'status', 'quit']);
    expect(out).toContain('bogus → error: unknown command "bogus" (help lists them)');
    expect(out).toContain('kill → tserver-a killed; tserver-b is primary now (EventPrimaryChanged)');
    expect(out).toContain('status → tserver-a  stopped  backup  link up  0 client(s)');
    expect(out.find((l) => l.startsWith('  tserver-b  '))).toMatch(/^  tserver-b  127\.0\.0\.1:\d+  primary  link up/);
  });

  it('an unreadable --script or a taken port exits non-zero with a hint', async () => {
    const err: string[] = [];
    expect(
      await runSim(['--port', '0', '--script', join(dir, 'missing.txt')], {
        out: () => {},
        err: (l) => err.push(l),
        input: null,
        handleSignals: false,
      }),
    ).toBe(2);
    expect(err[0]).toMatch(/^tlib sim: cannot read --script .*missing\.txt/);
    const taken = new TServerSimulator({ host: '127.0.0.1' });
    await taken.start();
    try {
      const port = taken.address().port;
      expect(await runSim(['--port', String(port)], { out: () => {}, err: (l) => err.push(l), input: null, handleSignals: false })).toBe(1);
      expect(err.at(-1)).toMatch(/cannot start: .*EADDRINUSE.*--port 0 picks a free port/);
    } finally {
      await taken.stop();
    }
  });

  it('an abort signal stops it like SIGINT, with a sleep under way', async () => {
    const input = new PassThrough();
    const ac = new AbortController();
    const out: string[] = [];
    let sleeping: () => void = () => {};
    const asleep = new Promise<void>((resolve) => (sleeping = resolve));
    const done = runSim(['--port', '0'], {
      out: (l) => out.push(l),
      input,
      signal: ac.signal,
      handleSignals: false,
      onCommand: (line) => line.startsWith('sleep') && sleeping(),
    });
    input.write('sleep 600000\n');
    await asleep;
    ac.abort();
    expect(await done).toBe(0);
    expect(out.at(-1)).toBe('tlib sim: stopped');
  });
});
