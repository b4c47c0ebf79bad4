/**
 * The `tlib` command's functions in-process: argument parsing, the line and JSON formats, and
 * runMonitor against a simulator pair, through a failover, stopped by an AbortSignal.
 */
import { describe, expect, it } from 'vitest';
import {
  EXIT,
  MONITOR_USAGE,
  TLIB_USAGE,
  UsageError,
  eventToJsonLine,
  formatEventLine,
  parseMonitorArgs,
  reconnectReport,
  runTlib,
  timeToIso,
} from '../../src/cli/tlib.js';
import type { TEvent } from '../../src/index.js';
import { HotStandbyPair, TServerSimulator } from '../../src/simulator/index.js';
import { noClients } from './tlib-helpers.js';

/** The command's output lines, and a wait for a line (checked as each line arrives, no polling). */
function io(signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const waiters = new Set<() => void>();
  const push = (lines: string[]) => (l: string) => {
    lines.push(l);
    for (const w of [...waiters]) w();
  };
  /** Resolves once `ok()` holds after some line; rejects after `ms`. */
  const until = (ok: () => boolean, what: string, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!ok()) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what}: not within ${ms} ms\n--- out\n${out.join('\n')}\n--- err\n${err.join('\n')}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { out, err, until, io: { out: push(out), err: push(err), signal, handleSignals: false } };
}

describe('parseMonitorArgs', () => {
  it('reads --primary, --backup, repeated --dn (deduplicated), --json, --app', () => {
    expect(
      parseMonitorArgs([
        '--primary',
        '127.0.0.1:7000',
        '--backup',
        '127.0.0.1:7001',
        '--dn',
        '1001',
        '--dn',
        '1002',
        '--dn',
        '1001',
        '--json',
        '--app',
        'ops',
      ]),
    ).toEqual({ primary: '127.0.0.1:7000', backup: '127.0.0.1:7001', dns: ['1001', '1002'], json: true, applicationName: 'ops' });
    expect(parseMonitorArgs(['--primary', '127.0.0.1:7000', '--dn', '1001'])).toEqual({
      primary: '127.0.0.1:7000',
      backup: undefined,
      dns: ['1001'],
      json: false,
      applicationName: 'tlib-monitor',
    });
  });

  it.each([
    [['--dn', '1001'], /^--primary host:port is required$/],
    [['--primary', '127.0.0.1:7000'], /^at least one --dn DN is required$/],
    [['--primary', '127.0.0.1:7000', '--dn', ''], /non-empty DN/],
    [['--primary', '127.0.0.1', '--dn', '1'], /--primary must be 'host:port'/],
    [['--primary', '127.0.0.1:70000', '--dn', '1'], /--primary: invalid port/],
    [['--primary', '127.0.0.1:7000', '--backup', 'x y:1', '--dn', '1'], /--backup: invalid host/],
    [['--primary', '127.0.0.1:7000', '--dn', '1', '--colour'], /^unknown option --colour$/],
    [['--primary', '127.0.0.1:7000', '--dn', '1', 'extra'], /^unexpected argument "extra"$/],
    [['--primary', '127.0.0.1:7000', '--dn'], /^--dn needs a value$/],
    [['--primary', '127.0.0.1:7000', '--dn', '1', '--app', ''], /--app needs a non-empty name/],
  ])('%j is a UsageError', (args, message) => {
    expect(() => parseMonitorArgs(args)).toThrow(UsageError);
    expect(() => parseMonitorArgs(args)).toThrow(message);
  });
});

describe('runTlib dispatch and exit codes', () => {
  it.each([
    [[], EXIT.USAGE, 'err', /^usage: tlib/],
    [['--help'], EXIT.OK, 'out', /exit codes:/],
    [['monitor', '--help'], EXIT.OK, 'out', /^usage: tlib monitor --primary host:port/],
    [['sim', '--help'], EXIT.OK, 'out', /^usage: tlib sim \[--pair\]/],
    [['demo', '--help'], EXIT.OK, 'out', /^usage: tlib demo\n/],
    [['--version'], EXIT.OK, 'out', /^\d+\.\d+\.\d+/],
  ] as const)('%j → %d', async (args, code, stream, text) => {
    const t = io();
    expect(await runTlib(args, t.io)).toBe(code);
    expect(t[stream].join('\n')).toMatch(text);
  });

  it('tlib monitor --help is its own page, not the overview', async () => {
    const t = io();
    await runTlib(['monitor', '--help'], t.io);
    expect(t.out.join('\n')).toBe(MONITOR_USAGE);
    expect(MONITOR_USAGE).not.toContain('tlib sim');
    expect(TLIB_USAGE).not.toContain('--dn DN');
  });

  // Usage errors: one line saying what is wrong, in lower case after the command's name, then
  // where to read more — never the whole usage text.
  it.each([
    [['frobnicate'], 'tlib: unknown command "frobnicate" (commands: sim, monitor, demo)\nsee `tlib --help`'],
    [['monitor', '--dn', '1'], 'tlib monitor: --primary host:port is required\nsee `tlib monitor --help`'],
    [
      ['monitor', '--primary', '127.0.0.1:7000', '--dn', '1', '--colour'],
      'tlib monitor: unknown option --colour\nsee `tlib monitor --help`',
    ],
    [['sim', '--port', 'x'], 'tlib sim: --port must be a whole number from 0 to 65535, got "x"\nsee `tlib sim --help`'],
    [['sim', '--bogus'], 'tlib sim: unknown option --bogus\nsee `tlib sim --help`'],
    [
      ['sim', '--repeat-on-promotion', '2'],
      'tlib sim: --repeat-on-promotion needs --pair (a lone server is never promoted)\nsee `tlib sim --help`',
    ],
    [['demo', 'now'], 'tlib demo: takes no arguments, got "now"\nsee `tlib demo --help`'],
  ] as const)('%j is one usage line (exit 2)', async (args, message) => {
    const t = io();
    expect(await runTlib(args, t.io)).toBe(EXIT.USAGE);
    expect(t.err).toEqual([message]);
    expect(t.out).toEqual([]);
  });

  it('documents the three exit codes', () => {
    for (const page of [TLIB_USAGE, MONITOR_USAGE]) {
      expect(page).toContain('0  stopped cleanly');
      expect(page).toContain('1  could not connect');
      expect(page).toContain('2  usage error');
    }
  });
});

describe('event formats', () => {
  const event = {
    Event: 'EventRinging',
    Server: '127.0.0.1:7000',
    ThisDN: '1001',
    ConnID: '00650194ab3c0001',
    OtherDN: '5551234',
    UserData: [
      ['Queue', 'Sales'],
      ['Queue', 'VIP'],
      ['Score', 7],
      ['Nested', [['k', 'v w']]],
      ['Blob', new Uint8Array([1, 2, 3])],
      ['Call', { connid: '00650194ab3c0002' }],
    ],
    time: { seconds: 1_700_000_000, microseconds: 42 },
    EventSequenceNumber: 12,
    ServerStartTime: { seconds: 1_699_999_000, microseconds: 0 },
  } as unknown as TEvent;

  it('timeToIso keeps microseconds', () => {
    expect(timeToIso({ seconds: 1_700_000_000, microseconds: 42 })).toBe('2023-11-14T22:13:20.000042Z');
  });

  it('a text line: time, server, event, DN, ConnID, the rest, #seq', () => {
    const line = formatEventLine(event, new Date(2026, 0, 2, 3, 4, 5, 6));
    expect(line).toBe(
      '03:04:05.006  127.0.0.1:7000  EventRinging               DN 1001     ConnID 00650194ab3c0001  OtherDN=5551234 ' +
        'UserData={Queue=Sales, Queue=VIP, Score=7, Nested={k="v w"}, Blob=<3 bytes>, Call=connid:00650194ab3c0002} #12',
    );
    expect(
      formatEventLine({ Event: 'EventServerDisconnected', Server: '127.0.0.1:7000' } as TEvent, new Date(2026, 0, 2, 3, 4, 5, 6)),
    ).toBe('03:04:05.006  127.0.0.1:7000  EventServerDisconnected');
  });

  it('named values read as the examples print them: AgentStatus=Ready (JSON keeps the number)', () => {
    const ready = { Event: 'EventAgentReady', Server: 's', ThisDN: '1001', AgentID: 'agent-1', AgentStatus: 3 } as unknown as TEvent;
    expect(formatEventLine(ready)).toMatch(/EventAgentReady\s+DN 1001\s+AgentID=agent-1 AgentStatus=Ready$/);
    expect(JSON.parse(eventToJsonLine(ready)).AgentStatus).toBe(3);
    const odd = { ...ready, AgentStatus: 99 } as unknown as TEvent;
    expect(formatEventLine(odd)).toContain('AgentStatus=99');
  });

  it('command-line errors speak of host:port only, never of { host, port }', () => {
    for (const bad of ['127.0.0.1', 'x', ':7000', '127.0.0.1:']) {
      expect(() => parseMonitorArgs(['--primary', bad, '--dn', '1'])).toThrow(
        `--primary must be 'host:port' (e.g. 127.0.0.1:7000, [::1]:7000), got ${JSON.stringify(bad)}`,
      );
    }
    expect(TLIB_USAGE).not.toContain('{ host');
  });

  it('a JSON line: kvlists as pairs (repeated keys kept), times as ISO, binary as base64', () => {
    expect(JSON.parse(eventToJsonLine(event))).toEqual({
      Event: 'EventRinging',
      Server: '127.0.0.1:7000',
      ThisDN: '1001',
      ConnID: '00650194ab3c0001',
      OtherDN: '5551234',
      UserData: [
        ['Queue', 'Sales'],
        ['Queue', 'VIP'],
        ['Score', 7],
        ['Nested', [['k', 'v w']]],
        ['Blob', 'AQID'],
        ['Call', { connid: '00650194ab3c0002' }],
      ],
      time: '2023-11-14T22:13:20.000042Z',
      EventSequenceNumber: 12,
      ServerStartTime: '2023-11-14T21:56:40.000000Z',
    });
  });
});

describe('runMonitor in-process', () => {
  it('follows a failover of the pair and returns 0 when its signal aborts', async () => {
    const pair = await HotStandbyPair.start({ host: '127.0.0.1' });
    try {
      const stop = new AbortController();
      const t = io(stop.signal);
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const done = runTlib(['monitor', '--primary', pair.addresses.primary, '--dn', '1001', '--json'], {
        ...t.io,
        onReady: () => ready(),
        connectionOptions: { addp: { timeoutMs: 500, remoteTimeoutMs: 500 }, reconnect: { minTimeoutMs: 50, maxTimeoutMs: 200 } },
      });
      await isReady;
      const events = () => t.out.map((l) => JSON.parse(l) as { Event: string; Server: string; ThisDN?: string });
      // The standby session (to the backup learned from EventRestoreConnection) must be open for the
      // kill to be a failover: the monitor says when it is.
      const newPrimary = pair.addresses.backup;
      await t.until(() => t.err.includes(`tlib monitor: standby session open on ${newPrimary}`), 'the standby session');
      await pair.killPrimary();
      await t.until(() => events().some((e) => e.Event === 'EventPrimaryChanged'), 'EventPrimaryChanged');
      await t.until(() => t.err.some((l) => l.includes(`resynced on ${newPrimary}`)), 'the resync');
      pair.primary.placeCall('1001');
      await t.until(() => events().some((e) => e.Event === 'EventRinging' && e.Server === newPrimary), 'a call on the new primary');
      stop.abort();
      const code = await done;
      expect(code, t.err.join('\n')).toBe(EXIT.OK);
      expect(t.err.at(-1)).toBe('tlib monitor: aborted, stopped');
      const names = events().map((e) => e.Event);
      expect(names.indexOf('EventServerDisconnected'), names.join()).toBeLessThan(names.indexOf('EventPrimaryChanged'));
      await noClients(pair.primary);
    } finally {
      await pair.stop();
    }
  });

  it('its reconnect lines name every server tried since the last connect', () => {
    const report = reconnectReport();
    const refused = new Error('connection refused');
    expect(report.failed({ server: '127.0.0.1:7000', attempt: 1, error: refused })).toBe(
      'reconnect attempt 1 failed (tried 127.0.0.1:7000): connection refused',
    );
    expect(report.failed({ server: '127.0.0.1:7001', attempt: 2, error: refused })).toBe(
      'reconnect attempt 2 failed (tried 127.0.0.1:7000 and 127.0.0.1:7001): connection refused',
    );
    report.connected();
    // An event naming several servers at once counts each.
    expect(report.failed({ server: '127.0.0.1:7001, 127.0.0.1:7000', attempt: 1, error: refused })).toBe(
      'reconnect attempt 1 failed (tried 127.0.0.1:7001 and 127.0.0.1:7000): connection refused',
    );
  });

  it('names both servers when it cannot connect at all', async () => {
    const t = io();
    const code = await runTlib(['monitor', '--primary', '127.0.0.1:1', '--backup', 'backup.invalid:7001', '--dn', '1001'], t.io);
    expect(code).toBe(EXIT.CONNECT_FAILED);
    expect(t.err.at(-1)).toMatch(/^tlib monitor: could not connect to 127\.0\.0\.1:1 or backup\.invalid:7001: /);
  });

  it('returns 1 when the connection closes by itself (reconnect off, the only server gone)', async () => {
    const server = new TServerSimulator({ host: '127.0.0.1' });
    await server.start();
    const t = io();
    const done = runTlib(['monitor', '--primary', server.url, '--dn', '1001'], {
      ...t.io,
      onReady: () => void server.stop(),
      connectionOptions: { reconnect: false },
    });
    expect(await done).toBe(EXIT.CONNECT_FAILED);
    expect(t.err.at(-1)).toBe('tlib monitor: the connection closed (reconnect gave up)');
    expect(t.out.some((l) => l.includes('EventServerDisconnected'))).toBe(true);
  });

  it('returns 1 when the DN is refused, and closes its connection', async () => {
    const pair = await HotStandbyPair.start({ host: '127.0.0.1' });
    try {
      const t = io();
      expect(await runTlib(['monitor', '--primary', pair.addresses.primary, '--dn', 'abc'], t.io)).toBe(EXIT.CONNECT_FAILED);
      expect(t.err.join('\n')).toContain('could not register abc');
      await noClients(pair.primary);
    } finally {
      await pair.stop();
    }
  });
});
