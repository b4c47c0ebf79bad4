/**
 * The learned-address policy. First the pure module (every rule, host AND port, option validation),
 * then over real loopback sockets: an address a server names that the policy refuses is never
 * dialled (the server at that loopback port sees 0 connections in 300 ms), each refusal is a
 * protocolWarning naming the address, and a learned address does not outlive close().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AddressPolicy, type AddressPolicyInput } from '../../src/connection/pair/address-policy.js';
import { parseEndpoint } from '../../src/transport/endpoint.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Harness, SimRecorder, outcomeOf, waitUntil } from '../support/connection-helpers.js';
import { watchDials } from './helpers.js';

const primary = parseEndpoint('ts-a.example:7000', 'primary');
const backup = parseEndpoint('ts-b.example:7000', 'backup');
const policy = (o: Partial<AddressPolicyInput> = {}) => AddressPolicy.from({ primary, backup: undefined, ...o });
const ok = (p: AddressPolicy, host: unknown, port: unknown) => p.judge(host, port).ok;

describe('AddressPolicy (pure)', () => {
  it("with backup configured the default is 'configured': only the configured endpoints, host AND port", () => {
    const p = policy({ backup });
    expect(p.kind).toBe('configured');
    expect(ok(p, 'ts-b.example', 7000)).toBe(true);
    expect(ok(p, 'TS-B.example.', '7000')).toBe(true); // case, trailing dot, digit string
    expect(ok(p, 'ts-a.example', 7000)).toBe(true);
    expect(ok(p, 'ts-b.example', 7001)).toBe(false); // same host, another port
    expect(ok(p, 'evil.invalid', 7000)).toBe(false);
    const v = p.judge('127.0.0.1', 7001, 'BackupHost', 'BackupPort');
    expect(v).toEqual({ ok: false, problem: expect.stringMatching(/BackupHost 127\.0\.0\.1:7001 is not a configured endpoint/) });
  });

  it("without backup the default is 'any': a well-formed address passes", () => {
    const p = policy();
    expect(p.kind).toBe('any');
    const v = p.judge('ts-b.example', '7000');
    expect(v).toEqual({ ok: true, endpoint: { host: 'ts-b.example', port: 7000, name: 'ts-b.example:7000' } });
    expect(p.judge('[::1]', 7000)).toEqual({ ok: true, endpoint: { host: '::1', port: 7000, name: '[::1]:7000' } });
  });

  it('malformed hosts and ports are refused under every rule, naming the field', () => {
    for (const p of [policy(), policy({ learnedAddresses: 'any' }), policy({ learnedAddresses: () => true })]) {
      for (const [h, port] of [
        ['', 7000],
        ['a b', 7000],
        ['x.invalid', 0],
        ['x.invalid', 65536],
        ['x.invalid', '80; rm'],
        [12, 7000],
        ['x.invalid', undefined],
        [undefined, 7000],
      ] as const) {
        const v = p.judge(h, port, 'BackupHost', 'BackupPort');
        expect(v.ok, `${String(h)}:${String(port)}`).toBe(false);
        if (!v.ok) expect(v.problem).toMatch(/^Backup(Host|Port) /);
      }
    }
  });

  it('{ hosts, ports }: bare hosts take the listed ports (any when absent); host:port entries name one port', () => {
    const p = policy({ learnedAddresses: { hosts: ['ts-b.example', '10.0.0.9:7100', '[::1]:7200'], ports: [7000, 7001] } });
    expect(ok(p, 'ts-b.example', 7001)).toBe(true);
    expect(ok(p, 'ts-b.example', 7100)).toBe(false);
    expect(ok(p, '10.0.0.9', 7100)).toBe(true);
    expect(ok(p, '10.0.0.9', 7000)).toBe(false);
    expect(ok(p, '::1', 7200)).toBe(true);
    expect(ok(p, 'ts-c.example', 7000)).toBe(false);
    const anyPort = policy({ learnedAddresses: { hosts: ['ts-b.example'] } });
    expect(ok(anyPort, 'ts-b.example', 1234)).toBe(true);
    // The configured endpoints pass whatever the list says.
    expect(ok(policy({ backup, learnedAddresses: { hosts: ['x.example'] } }), 'ts-b.example', 7000)).toBe(true);
  });

  it('allowedBackupHosts keeps working, now port-aware; the refusal names it', () => {
    const p = policy({ allowedBackupHosts: ['ts-b.example:7000', '127.0.0.1'] });
    expect(p.option).toBe('allowedBackupHosts');
    expect(ok(p, 'ts-b.example', 7000)).toBe(true);
    expect(ok(p, 'ts-b.example', 7001)).toBe(false);
    expect(ok(p, '127.0.0.1', 5)).toBe(true);
    const v = p.judge('backup.invalid', 7000, 'BackupHost');
    expect(!v.ok && v.problem).toMatch(/backup\.invalid:7000 is not allowed by allowedBackupHosts/);
    const seen: unknown[] = [];
    const fn = policy({ allowedBackupHosts: (h, port) => (seen.push([h, port]), port === 7000) });
    expect(ok(fn, 'x.example', '7000')).toBe(true);
    expect(ok(fn, 'x.example', 7001)).toBe(false);
    expect(seen).toEqual([
      ['x.example', 7000],
      ['x.example', 7001],
    ]);
  });

  it('a predicate that throws is a refusal carrying what it threw; one that returns a truthy non-true value refuses', () => {
    const boom = new Error('policy service down');
    const v = policy({
      learnedAddresses: () => {
        throw boom;
      },
    }).judge('x.example', 7000);
    expect(v).toMatchObject({ ok: false, thrown: boom });
    expect(ok(policy({ learnedAddresses: (() => 'yes') as never }), 'x.example', 7000)).toBe(false);
  });

  it('bad options are refused with InvalidArgumentError naming them', () => {
    const bad: Partial<AddressPolicyInput>[] = [
      { learnedAddresses: 'all' as never },
      { learnedAddresses: { hosts: ['a b'] } },
      { learnedAddresses: { hosts: ['ok.example'], ports: [0] } },
      { learnedAddresses: { hosts: ['ok.example:99999'] } },
      { learnedAddresses: 7 as never },
      { allowedBackupHosts: 'ts-b.example' as never },
      { allowedBackupHosts: ['ok.example'], learnedAddresses: 'any' },
    ];
    for (const o of bad) expect(() => policy(o), JSON.stringify(o)).toThrow(InvalidArgumentError);
    expect(() => policy({ learnedAddresses: { hosts: ['a b'] } })).toThrow(/learnedAddresses/);
  });
});

// ------------------------------------------------------------------------------- real sockets

const h = new Harness();
afterEach(() => h.cleanup());

const restore = (role: 0 | 1, host: string, port: number) =>
  role === 0
    ? {
        ServerRole: 0,
        UserData: [
          ['BackupHost', host],
          ['BackupPort', port],
        ],
      }
    : {
        ServerRole: 1,
        UserData: [
          ['PrimaryHost', host],
          ['PrimaryPort', port],
        ],
      };

describe('learned addresses over real sockets', () => {
  it('backup configured: an EventRestoreConnection naming another loopback port is refused with a warning and never dialled', async () => {
    const sim = await h.sim();
    const other = await h.sim(); // listening, so a dial would be seen
    const otherRec = new SimRecorder(other);
    const configuredBackup = await h.deadSim();
    const { conn, rec } = await h.open(sim, { backup: configuredBackup.url });
    const dials = watchDials();
    sim.sendEvent('EventRestoreConnection', restore(0, '127.0.0.1', other.address().port) as never);
    await waitUntil(() => rec.warnings.some((w) => w.code === 'ERR_BACKUP_ADDRESS_REFUSED'), 'the refusal warning');
    const w = rec.warnings.find((x) => x.code === 'ERR_BACKUP_ADDRESS_REFUSED')!;
    expect(w.detail).toContain(`127.0.0.1:${other.address().port}`);
    expect(w).toMatchObject({ server: sim.url, event: 'EventRestoreConnection', attribute: 'BackupHost' });
    await conn.queryServer(); // answered after the offer: whatever it led to has started
    expect(dials.ports).not.toContain(other.address().port);
    expect(otherRec.clients).toEqual([]);
    expect(conn.state.backupEndpoint).toBe(configuredBackup.url);
    expect(conn.state.active).toBe(sim.url);
  });

  it('ServerRole 1 (the active says it is the backup) naming an unlisted primary is not followed', async () => {
    const sim = await h.sim();
    const other = await h.sim();
    const otherRec = new SimRecorder(other);
    const configuredBackup = await h.deadSim();
    const { conn, rec } = await h.open(sim, { backup: configuredBackup.url });
    await conn.registerAddress('1001');
    const dials = watchDials();
    sim.sendEvent('EventRestoreConnection', restore(1, '127.0.0.1', other.address().port) as never);
    await waitUntil(() => rec.warnings.some((w) => w.code === 'ERR_BACKUP_ADDRESS_REFUSED'), 'the refusal warning');
    expect(rec.warnings.find((x) => x.code === 'ERR_BACKUP_ADDRESS_REFUSED')!).toMatchObject({ attribute: 'PrimaryHost' });
    await conn.queryServer(); // answered after the offer: whatever it led to has started
    expect(dials.ports).not.toContain(other.address().port);
    expect(otherRec.clients).toEqual([]); // no DN, login or user data went there
    expect(conn.state.active).toBe(sim.url);
  });

  it('no backup, a { hosts, ports } policy: an address on an unlisted port is refused; a listed one is used', async () => {
    const sim = await h.sim();
    const listed = await h.sim();
    const unlisted = await h.sim();
    const unlistedRec = new SimRecorder(unlisted);
    const { conn, rec } = await h.open(sim, {
      learnedAddresses: { hosts: ['127.0.0.1'], ports: [sim.address().port, listed.address().port] },
    });
    const dials = watchDials();
    sim.sendEvent('EventRestoreConnection', restore(0, '127.0.0.1', unlisted.address().port) as never);
    await waitUntil(() => rec.warnings.some((w) => w.code === 'ERR_BACKUP_ADDRESS_REFUSED'), 'the refusal warning');
    expect(conn.state.backupEndpoint).toBeUndefined();
    sim.sendEvent('EventRestoreConnection', restore(0, '127.0.0.1', listed.address().port) as never);
    await waitUntil(() => conn.state.backupEndpoint === listed.url, 'the listed backup learned');
    await conn.queryServer(); // answered after both offers: whatever they led to has started
    expect(dials.ports).toContain(listed.address().port);
    expect(dials.ports).not.toContain(unlisted.address().port);
    expect(unlistedRec.clients).toEqual([]);
  });

  it('a learned address is forgotten on close(): a new open() does not use it', async () => {
    const sim = await h.sim();
    const learned = await h.sim();
    const learnedRec = new SimRecorder(learned);
    const { conn } = await h.open(sim); // no backup: learning is allowed ('any')
    sim.sendEvent('EventRestoreConnection', restore(0, '127.0.0.1', learned.address().port) as never);
    await waitUntil(() => conn.state.backupEndpoint === learned.url, 'the backup learned');
    await waitUntil(() => conn.state.standby === learned.url, 'the standby session on the learned address');
    await conn.close();
    expect(conn.state.backupEndpoint).toBeUndefined();
    // The standby's socket is closed by now; let the server see it go before counting.
    await waitUntil(() => learnedRec.closedClients.length === learnedRec.clients.length, 'the learned server to see the standby close');
    const dialsBefore = learnedRec.clients.length;
    expect(dialsBefore).toBe(1);
    await sim.stop(); // the configured primary is down: only the learned address could answer
    const out = await outcomeOf(conn.open(), 5_000);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatchObject({ code: 'ERR_CONNECT' });
    expect(learnedRec.clients.length).toBe(dialsBefore);
  });
});
