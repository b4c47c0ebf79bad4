/**
 * A hostile or broken server: frames over the limit, bad magic and version, a kvlist nested
 * 10,000 deep, a 4 GiB length, garbage after a valid frame, events missing Mandatory attributes,
 * unknown and forbidden message types, and EventRestoreConnection offering malformed or forbidden
 * backup addresses. Each must give a clear typed error or warning; the process stays up; the
 * session recovers (reconnects, registrations replayed) or is never lost at all.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../src/codec/encoder.js';
import { EventValidationError, type TEvent, type TServerConnectionOptions } from '../../src/index.js';
import { lossesOf, nextEvent, outcome, singleRig, until, watchDials, type SingleRig } from './helpers.js';

let rig: SingleRig | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await rig?.stop();
  rig = undefined;
});

// ------------------------------------------------------------------------------- raw frames

const T_USER_EVENT = 96;
const A_USER_DATA = 51;
const A_THIS_DN = 20;
const A_TIME = 86;

function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u32(b.length), b]);
}

/** A frame built by hand: every field can lie. */
function rawFrame(o: { type: number; count: number; body: Buffer; length?: number; magic?: number; version?: number }): Buffer {
  const header = Buffer.concat([u16(o.magic ?? 0x544c), u8(o.version ?? 1), u8(0), u16(o.type), u16(o.count)]);
  return Buffer.concat([u32(o.length ?? header.length + o.body.length), header, o.body]);
}

/** UserData attribute whose kvlist nests `depth` levels: { k: { k: { … {} } } }. */
function deepUserData(depth: number): Buffer {
  const parts: Buffer[] = [u16(A_USER_DATA), u8(4)];
  for (let i = 0; i < depth - 1; i++) parts.push(u32(1), u16(1), Buffer.from('k'), u8(4));
  parts.push(u32(0));
  return Buffer.concat(parts);
}

const timeAttr = () => Buffer.concat([u16(A_TIME), u8(6), u32(Math.floor(Date.now() / 1000)), u32(0)]);

/** A valid EventUserEvent for ThisDN 1001 (what a healthy server would send). */
const validFrame = () => rawFrame({ type: T_USER_EVENT, count: 2, body: Buffer.concat([u16(A_THIS_DN), u8(2), str('1001'), timeAttr()]) });

// ------------------------------------------------------------------------------- helpers

async function rigWithDN(options: Partial<TServerConnectionOptions> = {}): Promise<SingleRig> {
  rig = await singleRig({ addp: { timeoutMs: 600, remoteTimeoutMs: 600 }, ...options });
  await rig.conn.registerAddress('1001');
  return rig;
}

/**
 * Injects bad bytes and expects: a protocolWarning with `code`, the session dropped and re-opened,
 * the registration replayed (a call to 1001 rings), requests answered.
 */
async function expectDropAndRecovery(r: SingleRig, inject: () => void, code: string): Promise<void> {
  const { conn, sim } = r;
  const losses = lossesOf(conn);
  const lost = nextEvent(conn, 'EventServerDisconnected');
  const back = nextEvent(conn, 'EventServerConnected', 4_000);
  back.catch(() => undefined); // awaited below, after `lost`
  inject();
  await lost;
  await back;
  const w = r.rec.warnings.find((x) => x.code === code);
  expect(w, `a protocolWarning ${code}; got ${JSON.stringify(r.rec.warnings)}`).toBeDefined();
  expect(w!.server).toBe(r.proxy.url);
  expect(w!.detail.length).toBeGreaterThan(10);
  // Dropped for the bad bytes themselves, not after a timeout (ADDP, a request's).
  expect(losses.map((l) => [l.server, l.reason.code])).toEqual([[r.proxy.url, code]]);
  expect((await conn.queryServer()).Event).toBe('EventServerInfo');
  const ringing = nextEvent(conn, 'EventRinging');
  sim.placeCall('1001');
  await ringing;
  expect(r.rec.errors).toEqual([]);
}

// ------------------------------------------------------------------------------- framing

describe('malformed frames: typed warning, session dropped and recovered', () => {
  it('a frame over the size limit (client maxFrameBytes 64 KiB, 100 KB frame)', async () => {
    const r = await rigWithDN({ maxFrameBytes: 64 * 1024 });
    const big = rawFrame({
      type: T_USER_EVENT,
      count: 2,
      body: Buffer.concat([u16(A_THIS_DN), u8(2), str('x'.repeat(100_000)), timeAttr()]),
    });
    await expectDropAndRecovery(r, () => r.sim.sendRaw(big), 'ERR_FRAME_TOO_LARGE');
    expect(r.rec.warnings.find((w) => w.code === 'ERR_FRAME_TOO_LARGE')!.detail).toMatch(/65536/);
  });

  it('a length just over the default 1 MiB limit is refused from its length field alone, before the body arrives', async () => {
    const r = await rigWithDN();
    // Only the length field and header: waiting for 1 MiB that never comes would be a hang.
    const head = rawFrame({ type: T_USER_EVENT, count: 0, body: Buffer.alloc(0), length: 1024 * 1024 + 1 });
    await expectDropAndRecovery(r, () => r.sim.sendRaw(head), 'ERR_FRAME_TOO_LARGE');
  });

  it('a 4 GiB length (0xFFFFFFFF): refused at once, nothing allocated for it', async () => {
    const r = await rigWithDN();
    const heapBefore = process.memoryUsage().heapUsed;
    await expectDropAndRecovery(r, () => r.sim.sendRaw(u32(0xffffffff)), 'ERR_FRAME_TOO_LARGE');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('a length under the 8-byte header', async () => {
    const r = await rigWithDN();
    await expectDropAndRecovery(r, () => r.sim.sendRaw(Buffer.concat([u32(3), Buffer.from([1, 2, 3])])), 'ERR_FRAME_TOO_SMALL');
  });

  it('a bad magic', async () => {
    const r = await rigWithDN();
    await expectDropAndRecovery(
      r,
      () => r.sim.sendRaw(rawFrame({ type: T_USER_EVENT, count: 0, body: Buffer.alloc(0), magic: 0xdead })),
      'ERR_BAD_MAGIC',
    );
  });

  it('an unsupported protocol version', async () => {
    const r = await rigWithDN();
    await expectDropAndRecovery(
      r,
      () => r.sim.sendRaw(rawFrame({ type: T_USER_EVENT, count: 0, body: Buffer.alloc(0), version: 9 })),
      'ERR_BAD_VERSION',
    );
  });

  it('a kvlist nested 10,000 deep: no stack overflow, refused at depth 17', async () => {
    const r = await rigWithDN();
    const frame = rawFrame({
      type: T_USER_EVENT,
      count: 3,
      body: Buffer.concat([u16(A_THIS_DN), u8(2), str('1001'), timeAttr(), deepUserData(10_000)]),
    });
    expect(frame.length).toBeLessThan(1024 * 1024);
    await expectDropAndRecovery(r, () => r.sim.sendRaw(frame), 'ERR_KVLIST_TOO_DEEP');
  });

  it('a kvlist claiming 4 billion entries in a small frame', async () => {
    const r = await rigWithDN();
    const body = Buffer.concat([u16(A_USER_DATA), u8(4), u32(0xffffffff), u16(1), Buffer.from('k'), u8(1), u32(7)]);
    await expectDropAndRecovery(r, () => r.sim.sendRaw(rawFrame({ type: T_USER_EVENT, count: 1, body })), 'ERR_TRUNCATED');
  });

  it('a string length running past the end of its frame', async () => {
    const r = await rigWithDN();
    const body = Buffer.concat([u16(A_THIS_DN), u8(2), u32(0x7fffffff), Buffer.from('1001')]);
    await expectDropAndRecovery(r, () => r.sim.sendRaw(rawFrame({ type: T_USER_EVENT, count: 1, body })), 'ERR_TRUNCATED');
  });

  it('an attribute with the wrong value type, a duplicate attribute, bad microseconds, trailing bytes', async () => {
    const r = await rigWithDN();
    const cases: Array<[string, Buffer]> = [
      ['ERR_BAD_VALUE_TYPE', rawFrame({ type: T_USER_EVENT, count: 1, body: Buffer.concat([u16(A_THIS_DN), u8(1), u32(1001)]) })],
      [
        'ERR_DUPLICATE_ATTRIBUTE',
        rawFrame({ type: T_USER_EVENT, count: 2, body: Buffer.concat([u16(A_THIS_DN), u8(2), str('1'), u16(A_THIS_DN), u8(2), str('2')]) }),
      ],
      ['ERR_BAD_VALUE', rawFrame({ type: T_USER_EVENT, count: 1, body: Buffer.concat([u16(A_TIME), u8(6), u32(0), u32(1_000_000)]) })],
      ['ERR_TRAILING_BYTES', rawFrame({ type: T_USER_EVENT, count: 0, body: Buffer.from([0, 0, 0]) })],
    ];
    for (const [code, frame] of cases) await expectDropAndRecovery(r, () => r.sim.sendRaw(frame), code);
  });

  it('garbage after a valid frame: the valid event is delivered first, then the garbage is refused', async () => {
    const r = await rigWithDN();
    const delivered = nextEvent(r.conn, 'EventUserEvent');
    await expectDropAndRecovery(
      r,
      () => r.sim.sendRaw(Buffer.concat([validFrame(), Buffer.from('GARBAGE GARBAGE GARBAGE')])),
      'ERR_FRAME_TOO_LARGE',
    );
    expect(((await delivered) as TEvent & { ThisDN: string }).ThisDN).toBe('1001');
  });

  it('zeros after a valid frame', async () => {
    const r = await rigWithDN();
    await expectDropAndRecovery(r, () => r.sim.sendRaw(Buffer.concat([validFrame(), Buffer.alloc(64)])), 'ERR_FRAME_TOO_SMALL');
  });

  // ADDP counts whole frames, not bytes (wire spec: a peer that sends "no frame at all" within the
  // timeout after a ping is dead). Garbage whose first 4 bytes read as a plausible length (here
  // 4,096) leaves the decoder waiting for a frame that never comes; if any byte counted as a sign
  // of life, the server's pongs would feed that phantom frame and keep the session "alive" while
  // every request times out (4,096 bytes of pongs, ~70 s here; hours for a length near 1 MiB).
  it('garbage that reads as a plausible length wedges nothing: ADDP (no frame after a ping) drops the session and it recovers', async () => {
    const r = await rigWithDN();
    const garbage = Buffer.concat([u32(4096), Buffer.from('not a frame')]);
    const lost = nextEvent(r.conn, 'EventServerDisconnected', 4_000);
    const back = nextEvent(r.conn, 'EventServerConnected', 6_000);
    back.catch(() => undefined); // awaited below, after `lost`
    r.sim.sendRaw(Buffer.concat([validFrame(), garbage]));
    await lost;
    await back;
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });

  it('EventServerConnected (type 50) or a request type from the wire: a protocol violation, never delivered', async () => {
    const r = await rigWithDN();
    await expectDropAndRecovery(r, () => r.sim.sendEvent(50, {}), 'ERR_UNEXPECTED_MESSAGE');
    const fromWire = r.rec.events.filter((e) => e.Event === 'EventServerConnected' && (e as { time?: unknown }).time !== undefined);
    expect(fromWire).toEqual([]);
    await expectDropAndRecovery(r, () => r.sim.sendRaw(encodeFrame(3, { ThisDN: '1001', ReferenceID: 1 })), 'ERR_UNEXPECTED_MESSAGE');
  });
});

// ------------------------------------------------------------------------------- content

describe('well-framed but wrong content: the session is kept', () => {
  it("an event missing a Mandatory attribute: 'warn' delivers it with a protocolWarning", async () => {
    const r = await rigWithDN({ validation: 'warn' });
    const got = nextEvent(r.conn, 'EventRegistered');
    r.sim.sendEvent('EventRegistered', {}); // no ThisDN
    await got;
    const w = r.rec.warnings.find((x) => x.code === 'ERR_MISSING_MANDATORY');
    expect(w).toMatchObject({ event: 'EventRegistered', attribute: 'ThisDN' });
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });

  it("'strict': an unsolicited event missing a Mandatory attribute becomes an 'error' (EventValidationError), not an event", async () => {
    const r = await rigWithDN({ validation: 'strict' });
    r.sim.sendEvent('EventRinging', { ThisDN: '1001' }); // no ConnID
    await until(() => r.rec.errors.length > 0, 'an error');
    expect(r.rec.errors[0]).toBeInstanceOf(EventValidationError);
    expect(r.rec.errors[0]).toMatchObject({ code: 'ERR_EVENT_VALIDATION' });
    expect(r.rec.errors[0].message).toMatch(/ConnID/);
    expect(r.rec.names()).not.toContain('EventRinging');
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });

  it("'strict': an answer missing a Mandatory attribute rejects its request with EventValidationError", async () => {
    const r = await rigWithDN({ validation: 'strict' });
    r.sim.on('request', (info) => {
      if (info.name === 'RequestQueryAddress') r.sim.sendEvent('EventAddressInfo', { ReferenceID: info.attributes.ReferenceID as number });
    });
    const o = await outcome(r.conn.queryAddress('1001'));
    expect(o).toMatchObject({ error: 'EventValidationError', code: 'ERR_EVENT_VALIDATION', typed: true });
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
  });

  it('an unknown event type: unknownMessage and a protocolWarning, nothing else', async () => {
    const r = await rigWithDN();
    const unknown: Array<{ type: number }> = [];
    r.conn.on('unknownMessage', (m) => unknown.push(m));
    r.sim.sendEvent(999, { ThisDN: '1001' });
    r.sim.sendEvent(0xfffe, {});
    await until(() => unknown.length === 2, 'two unknown messages');
    expect(unknown.map((m) => m.type)).toEqual([999, 0xfffe]);
    expect(r.rec.warningCodes().filter((c) => c === 'ERR_UNKNOWN_MESSAGE')).toHaveLength(2);
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });

  it('an unknown attribute id is kept and reported; an obsolete event is delivered and flagged', async () => {
    const r = await rigWithDN();
    const body = Buffer.concat([u16(A_THIS_DN), u8(2), str('1001'), timeAttr(), u16(4242), u8(2), str('mystery')]);
    const got = nextEvent(r.conn, 'EventUserEvent');
    r.sim.sendRaw(rawFrame({ type: T_USER_EVENT, count: 3, body }));
    const e = (await got) as TEvent & { unknownAttributes?: Array<{ id: number; value: unknown }> };
    expect(e.unknownAttributes).toEqual([{ id: 4242, valueType: 'string', value: 'mystery' }]);
    expect(r.rec.warnings.find((w) => w.code === 'ERR_UNKNOWN_ATTRIBUTE')).toMatchObject({ attribute: '4242' });
    const obsolete = nextEvent(r.conn, 'EventResourceAllocated');
    r.sim.sendEvent('EventResourceAllocated', {});
    await obsolete;
    expect(r.rec.warningCodes()).toContain('ERR_OBSOLETE_EVENT');
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
  });

  it('a forged answer of the wrong kind does not settle a request; the real answer does', async () => {
    const r = await rigWithDN();
    r.sim.on('request', (info) => {
      if (info.name === 'RequestQueryServer')
        r.sim.sendEvent('EventRegistered', { ThisDN: '1001', ReferenceID: info.attributes.ReferenceID as number });
    });
    const answer = await r.conn.queryServer();
    expect(answer.Event).toBe('EventServerInfo');
  });

  it('a flood of 20,000 events is delivered in order without losing the session', async () => {
    const r = await rigWithDN();
    let n = 0;
    let inOrder = true;
    r.conn.on('EventUserEvent', (e) => {
      const seq = (e as { EventSequenceNumber?: number }).EventSequenceNumber ?? 0;
      if (seq <= n) inOrder = false;
      n = seq;
    });
    const frames: Buffer[] = [];
    let count = 0;
    const start = 1_000_000;
    for (let i = 0; i < 20_000; i++)
      frames.push(encodeFrame(T_USER_EVENT, { ThisDN: '1001', time: { seconds: 1, microseconds: 0 }, EventSequenceNumber: start + i }));
    r.conn.on('EventUserEvent', () => count++);
    r.sim.sendRaw(Buffer.concat(frames));
    // A deadline for a loaded 2-core machine, not a speed claim (the bench measures speed).
    await until(() => count === 20_000, '20,000 events', 40_000);
    expect(inOrder).toBe(true);
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
  }, 60_000);
});

// ------------------------------------------------------------------------------- backup addresses

describe('EventRestoreConnection with malformed or hostile addresses', () => {
  const restore = (role: number | undefined, data: unknown) =>
    ({ ...(role === undefined ? {} : { ServerRole: role }), ...(data === undefined ? {} : { UserData: data }) }) as Record<string, unknown>;

  async function offer(r: SingleRig, attrs: Record<string, unknown>, expectCode: string | undefined): Promise<void> {
    const before = r.rec.warnings.length;
    r.sim.sendEvent('EventRestoreConnection', attrs as never);
    // Answered after the offer on the same socket: once here, the offer has been acted upon.
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
    if (expectCode) expect(r.rec.warnings.slice(before).map((w) => w.code)).toContain(expectCode);
  }

  it('with allowedBackupHosts: a backup outside the list (backup.invalid) is refused before any dial', async () => {
    const dials = watchDials();
    const r = await rigWithDN({ allowedBackupHosts: ['127.0.0.1'] });
    await offer(
      r,
      restore(0, [
        ['BackupHost', 'backup.invalid'],
        ['BackupPort', 7000],
      ]),
      'ERR_BACKUP_ADDRESS_REFUSED',
    );
    await offer(
      r,
      restore(0, [
        ['BackupHost', 'EXAMPLE.invalid'],
        ['BackupPort', '7000'],
      ]),
      'ERR_BACKUP_ADDRESS_REFUSED',
    );
    const w = r.rec.warnings.find((x) => x.code === 'ERR_BACKUP_ADDRESS_REFUSED')!;
    expect(w).toMatchObject({ event: 'EventRestoreConnection', attribute: 'BackupHost', server: r.proxy.url });
    expect(w.detail).toMatch(/backup\.invalid.*allowedBackupHosts/);
    // ServerRole 1 naming a forbidden primary: no dial either.
    await offer(
      r,
      restore(1, [
        ['PrimaryHost', 'primary.invalid'],
        ['PrimaryPort', 7000],
      ]),
      'ERR_BACKUP_ADDRESS_REFUSED',
    );
    expect(dials.foreign).toEqual([]);
    expect(r.conn.state.backupEndpoint).toBeUndefined();
    expect(r.conn.state.standby).toBeUndefined();
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });

  it('a configured backup is pinned: a learned address does not replace it unless learnedAddresses widens the policy', async () => {
    // Default with a configured backup ('configured'): the configuration wins over the server's word.
    const pinned = await rigWithDN({ backup: '127.0.0.1:1' });
    await offer(
      pinned,
      restore(0, [
        ['BackupHost', 'backup.invalid'],
        ['BackupPort', 7000],
      ]),
      'ERR_BACKUP_ADDRESS_REFUSED',
    );
    expect(pinned.conn.state.backupEndpoint).toBe('127.0.0.1:1');
    await pinned.stop();
    rig = undefined;
    // Widened by the user: the learned address replaces it.
    const open = await rigWithDN({ backup: '127.0.0.1:1', learnedAddresses: 'any' });
    await offer(
      open,
      restore(0, [
        ['BackupHost', 'backup.invalid'],
        ['BackupPort', 7000],
      ]),
      undefined,
    );
    expect(open.conn.state.backupEndpoint).toBe('backup.invalid:7000');
  });

  it('a predicate allowedBackupHosts sees host and port and can refuse by port', async () => {
    const seen: Array<[string, number]> = [];
    const r = await rigWithDN({ allowedBackupHosts: (host, port) => (seen.push([host, port]), host === '127.0.0.1' && port === 1) });
    await offer(
      r,
      restore(0, [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', 2],
      ]),
      'ERR_BACKUP_ADDRESS_REFUSED',
    );
    expect(seen).toEqual([['127.0.0.1', 2]]);
    expect(r.conn.state.backupEndpoint).toBeUndefined();
  });

  it('malformed addresses are refused with ERR_BACKUP_ADDRESS_REFUSED, even with no allow-list', async () => {
    const dials = watchDials();
    const r = await rigWithDN();
    const bad: unknown[][] = [
      [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', 0],
      ],
      [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', 65536],
      ],
      [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', -1],
      ],
      [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', '80; rm -rf /'],
      ],
      [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', ''],
      ],
      [['BackupHost', '127.0.0.1']],
      [
        ['BackupHost', ''],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', 'two words.invalid'],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', 'host.invalid; rm -rf /'],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', 'http://evil.invalid/'],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', 'a\u0000.invalid'],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', `${'a'.repeat(65)}.invalid`],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', `${'abcdefgh.'.repeat(30)}invalid`],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', '[::1'],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', 12345],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', [['nested', 'x']]],
        ['BackupPort', 7000],
      ],
      [
        ['BackupHost', new Uint8Array([1, 2, 3])],
        ['BackupPort', 7000],
      ],
      [['BackupPort', 7000]],
    ];
    for (const data of bad) await offer(r, restore(0, data), 'ERR_BACKUP_ADDRESS_REFUSED');
    expect(r.rec.warningCodes().filter((c) => c === 'ERR_BACKUP_ADDRESS_REFUSED')).toHaveLength(bad.length);
    // A ServerRole that is neither 0 nor 1, or none at all: a warning, nothing else.
    await offer(
      r,
      restore(7, [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', 7000],
      ]),
      'ERR_BAD_VALUE',
    );
    await offer(
      r,
      restore(undefined, [
        ['BackupHost', '127.0.0.1'],
        ['BackupPort', 7000],
      ]),
      'ERR_BAD_VALUE',
    );
    // No UserData, or an empty one: ignored.
    await offer(r, restore(0, undefined), undefined);
    await offer(r, restore(0, []), undefined);
    expect(dials.foreign).toEqual([]);
    expect(r.conn.state.backupEndpoint).toBeUndefined();
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });

  // A DNS label is at most 63 characters: a 64-character one is refused before any lookup (the
  // resolver would refuse it too, later).
  it('a 64-character DNS label is refused (63 is the limit)', async () => {
    const dials = watchDials();
    const r = await rigWithDN();
    await offer(
      r,
      restore(0, [
        ['BackupHost', `${'a'.repeat(64)}.invalid`],
        ['BackupPort', 7000],
      ]),
      'ERR_BACKUP_ADDRESS_REFUSED',
    );
    await offer(
      r,
      restore(0, [
        ['BackupHost', `${'a'.repeat(63)}.invalid`],
        ['BackupPort', 7000],
      ]),
      undefined,
    );
    expect(r.conn.state.backupEndpoint).toBe(`${'a'.repeat(63)}.invalid:7000`);
    await until(() => dials.foreign.length > 0, 'a dial of the 63-character name');
    expect(dials.foreign.every((h) => h.startsWith('a'.repeat(63) + '.'))).toBe(true);
  });

  it('without an allow-list, a well-formed but unresolvable backup is dialled in the background and fails quietly; the active session is untouched', async () => {
    const dials = watchDials();
    const r = await rigWithDN({ reconnect: { minTimeoutMs: 100, maxTimeoutMs: 400, randomize: true } });
    await offer(
      r,
      restore(0, [
        ['BackupHost', 'backup.invalid'],
        ['BackupPort', 7000],
      ]),
      undefined,
    );
    expect(r.conn.state.backupEndpoint).toBe('backup.invalid:7000');
    await until(() => dials.foreign.length > 0, 'a dial of backup.invalid', 3_000);
    expect(new Set(dials.foreign)).toEqual(new Set(['backup.invalid']));
    for (let i = 0; i < 5; i++) expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
    expect(r.conn.state.active).toBe(r.proxy.url);
    expect(r.conn.state.standby).toBeUndefined();
    expect(r.rec.names()).not.toContain('EventServerDisconnected');
    expect(r.rec.errors).toEqual([]);
  });

  it('200 RestoreConnection offers in a burst (changing, unresolvable hosts) leave no growth of sockets or timers', async () => {
    const r = await rigWithDN({ reconnect: { minTimeoutMs: 100, maxTimeoutMs: 400 } });
    const count = () =>
      process.getActiveResourcesInfo().filter((x) => x === 'TCPSocketWrap' || x === 'Timeout' || x === 'GetAddrInfoReqWrap').length;
    const before = count();
    for (let i = 0; i < 200; i++)
      r.sim.sendEvent('EventRestoreConnection', {
        ServerRole: 0,
        UserData: [
          ['BackupHost', `b${i}.invalid`],
          ['BackupPort', 7000 + i],
        ],
      });
    await r.conn.queryServer(); // answered after the 200 offers: all of them were acted upon
    // The lookups of the dials each offer replaced finish on their own: wait for them, bounded.
    await expect.poll(count, { timeout: 5_000 }).toBeLessThanOrEqual(before + 6);
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });

  // The allowedBackupHosts predicate is user code called on the socket's 'data' path: if its
  // exception escaped, it would be uncaught and kill the process. It is reported (HandlerError on
  // 'error') and the address treated as refused.
  it('an allowedBackupHosts predicate that throws is reported as HandlerError and the address refused; the process keeps running', async () => {
    const r = await rigWithDN({
      allowedBackupHosts: () => {
        throw new Error('policy service down');
      },
    });
    await offer(
      r,
      restore(0, [
        ['BackupHost', 'backup.invalid'],
        ['BackupPort', 7000],
      ]),
      'ERR_BACKUP_ADDRESS_REFUSED',
    );
    expect(r.rec.errors.map((e) => e.code)).toContain('ERR_HANDLER');
    expect((await r.conn.queryServer()).Event).toBe('EventServerInfo');
  });
});
