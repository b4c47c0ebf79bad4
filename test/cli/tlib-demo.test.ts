/**
 * `tlib demo` (and `npm run demo`, which runs it from the source) as a process: a simulator pair
 * and an agent desktop in one process, the primary killed during the third of five calls; it must
 * end by itself with exit code 0 and a DEMO OK line. (.ci/run runs `npx tlib demo` from the
 * packed package installed in a fresh project.)
 */
import { describe, expect, it } from 'vitest';
import { explain, runNode } from '../examples/run-child.js';

/** The demo alone takes 3–6 s; this is the bound for one under heavy load (its own watchdog is 30 s). */
const CHILD_TIMEOUT_MS = 60_000;

const tlib = (args: string[]) => runNode(['src/cli/tlib.ts', ...args], { timeoutMs: CHILD_TIMEOUT_MS });

describe('tlib demo', { timeout: CHILD_TIMEOUT_MS + 15_000 }, () => {
  it('runs the failover story and ends with DEMO OK, exit 0', async () => {
    const r = await tlib(['demo']);
    expect(r.code, explain(r)).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/hot-standby pair tserver-a 127\.0\.0\.1:\d+ \(primary\), tserver-b 127\.0\.0\.1:\d+ \(backup\)/);
    expect(out).toContain('backup learned from EventRestoreConnection; hot-standby session open');
    expect(out).toMatch(/tserver-a\s+EventAgentReady\s+DN 1001/);
    expect(out).toContain('killing the primary tserver-a while call 3 is established');
    // One line per event: time, server, event, DN, ConnID.
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3}\s+tserver-a\s+EventRinging\s+DN 1001\s+ConnID [0-9a-f]{16}\s/m);
    expect(out).toMatch(/tserver-a\s+EventServerDisconnected/);
    expect(out).toMatch(/tserver-b\s+EventPrimaryChanged/);
    expect(out).toMatch(/failover gap: \d+(\.\d)? ms from the kill to EventPrimaryChanged from tserver-b/);
    expect(out).toMatch(/resynced on tserver-b in \d+(\.\d)? ms: location, 1 DN, 1 call queried, 0 errors/);
    expect(out).toMatch(/tserver-b\s+EventReleased\s+DN 1001/);
    expect(out).toContain('state: open · active tserver-b · standby tserver-a');
    expect(out).toContain('5/5 calls handled (2 before the kill, 3 during and after)');
    expect(out).toContain('0 duplicate sequence numbers delivered');
    expect(out).toMatch(/^DEMO OK in \d+\.\d s: 5 calls handled, failover gap [\d.]+ ms, resync [\d.]+ ms \(1 DN, 1 call, 0 errors\)$/m);
    // The story in order: the kill, then the new primary, then its resync.
    expect(out.indexOf('EventServerDisconnected')).toBeLessThan(out.indexOf('EventPrimaryChanged'));
    expect(out.indexOf('EventPrimaryChanged')).toBeLessThan(out.indexOf('resynced on tserver-b'));
  });

  it('--help prints its page; an argument is a usage error (exit 2) with one line and where to read more', async () => {
    const help = await tlib(['demo', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: tlib demo\n/);
    const bad = await tlib(['demo', '--fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('tlib demo: takes no arguments, got "--fast"\nsee `tlib demo --help`\n');
  });
});
