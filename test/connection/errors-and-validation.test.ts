/**
 * Errors and validation over a real connection: EventError → TServerError, argument errors caught
 * before anything is sent, catalogue validation of received events ('warn' / 'strict' / 'off'),
 * protocol violations and malformed frames from the server (clean reconnect, process alive), and
 * the exported error classes with their stable codes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as sdk from '../../src/index.js';
import { EventValidationError, HandlerError, InvalidArgumentError, TServerError, TlibError } from '../../src/errors.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import type { TServerSimulator } from '../../src/simulator/index.js';
import { Harness, SimRecorder, fastOptions, outcomeOf, settledAtOnce, track, waitUntil } from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** A 12-byte frame with a wrong magic: the stream's framing is lost. */
function badMagicFrame(): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(8, 0);
  b.writeUInt16BE(0x4242, 4);
  b[6] = 1;
  b.writeUInt16BE(93, 8);
  return b;
}

/** A well-framed EventServerInfo whose ReferenceID (an int) is sent as a string: malformed, not fatal to framing. */
function badValueTypeFrame(): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x54, 0x4c, 1, 0, 0, 93, 0, 1]), // magic, version, flags, type 93, count 1
    Buffer.from([0, 2, 2]), // attribute 2 (ReferenceID) typed as string
    Buffer.from([0, 0, 0, 1, 0x78]), // "x"
  ]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  return Buffer.concat([len, body]);
}

async function openOn(sim: TServerSimulator, validation: 'strict' | 'warn' | 'off' = 'warn') {
  return h.open(sim, { validation, addp: { timeoutMs: 1000, remoteTimeoutMs: 1000 } });
}

describe('EventError → TServerError', () => {
  it('carries ErrorCode, ErrorMessage and the request; the EventError is also emitted as an event', async () => {
    const sim = await h.sim();
    const { conn, rec } = await openOn(sim);
    const out = await outcomeOf(conn.agentLogin('1001', 'a1')); // DN not registered: 41
    expect(out.ok).toBe(false);
    if (out.ok) return;
    const err = out.error as TServerError;
    expect(err).toBeInstanceOf(TServerError);
    expect(err).toBeInstanceOf(TlibError);
    expect(err.code).toBe('ERR_TSERVER');
    expect(err.errorCode).toBe(41);
    expect(err.errorMessage).toMatch(/1001/);
    expect(err.request).toMatchObject({ name: 'RequestAgentLogin', attributes: { ThisDN: '1001', AgentID: 'a1' } });
    expect(err.request.referenceId).toBeGreaterThan(0);
    expect(err.event).toMatchObject({ Event: 'EventError', ErrorCode: 41, ReferenceID: err.request.referenceId });
    const emitted = rec.of('EventError');
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ ErrorCode: 41, ReferenceID: err.request.referenceId, Server: sim.url });
  });

  it.each([
    ['unknown DN (40)', (c: sdk.TServerConnection) => c.queryAddress('not-a-dn'), 40],
    ['no such call (57)', (c: sdk.TServerConnection) => c.queryCall('00000000000000ff'), 57],
    [
      'agent already logged in (56)',
      async (c: sdk.TServerConnection) => {
        await c.registerAddress('1001');
        await c.agentLogin('1001', 'dup');
        return c.agentLogin('1001', 'dup2');
      },
      56,
    ],
    [
      'CTI link down (53) for a request that needs the link',
      async (c: sdk.TServerConnection, sim: TServerSimulator) => {
        await c.registerAddress('1001');
        sim.setLink(false);
        return c.agentReady('1001');
      },
      53,
    ],
  ] as const)('%s', async (_name, run, code) => {
    const sim = await h.sim();
    const { conn } = await openOn(sim);
    const out = await outcomeOf((run as (c: sdk.TServerConnection, s: TServerSimulator) => Promise<unknown>)(conn, sim));
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(TServerError);
      expect(out.error.errorCode).toBe(code);
    }
    // The connection is still usable.
    await expect(conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo' });
  });
});

describe('argument errors: rejected before anything is sent, naming the attribute', () => {
  const cases: Array<[string, (c: sdk.TServerConnection) => Promise<unknown>, RegExp, string | undefined]> = [
    ['missing Mandatory ThisDN', (c) => c.request('RequestRegisterAddress', {} as never), /ThisDN/, 'ThisDN'],
    ['helper given undefined DN', (c) => c.registerAddress(undefined as never), /ThisDN/, 'ThisDN'],
    ['wrong type (number for a string)', (c) => c.request('RequestQueryAddress', { ThisDN: 1001 as never }), /ThisDN/, 'ThisDN'],
    [
      'wrong type (string for an int)',
      (c) => c.request('RequestTransactionMonitoring', { SubscriptionOperation: '1' as never }),
      /SubscriptionOperation/,
      'SubscriptionOperation',
    ],
    ['ReserveAgent without AgentID/Place/ThisDN', (c) => c.reserveAgent({}), /AgentID.*Place.*ThisDN/, 'AgentID/Place/ThisDN'],
    ['ReserveAgent with only Timeout', (c) => c.reserveAgent({ Timeout: 1000 }), /AgentID.*Place.*ThisDN/, 'AgentID/Place/ThisDN'],
    ['missing OtherDN', (c) => c.request('RequestMakeCall', { ThisDN: '1001' } as never), /OtherDN/, 'OtherDN'],
    ['attribute the request does not take', (c) => c.request('RequestQueryServer', { ThisDN: '1001' } as never), /ThisDN/, 'ThisDN'],
    ['ReferenceID given by the caller', (c) => c.request('RequestQueryServer', { ReferenceID: 5 } as never), /ReferenceID/, 'ReferenceID'],
    ['unknown request name', (c) => c.request('RequestNoSuchThing' as never, {} as never), /RequestNoSuchThing/, undefined],
    ['bad ConnID', (c) => c.queryCall('xyz'), /ConnID/, 'ConnID'],
    ['bad timeoutMs option', (c) => c.queryServer({ timeoutMs: -5 }), /timeoutMs/, undefined],
    ['setInputMask with a non-event name', (c) => c.setInputMask(['RequestQueryServer' as never]), /RequestQueryServer/, undefined],
  ];

  it.each(cases)('%s', async (_name, run, message, attribute) => {
    const sim = await h.sim();
    const srec = new SimRecorder(sim);
    const { conn, rec } = await openOn(sim);
    const sent = srec.requests.length;
    const since = rec.mark();
    const attempt = track(run(conn));
    expect(await settledAtOnce(attempt)).toBe(true); // refused at once, no round trip
    const out = await attempt.result;
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toBeInstanceOf(InvalidArgumentError);
    expect(out.error.code).toBe('ERR_INVALID_ARGUMENT');
    expect(out.error.message).toMatch(message);
    if (attribute) expect((out.error as InvalidArgumentError).issues.map((i) => i.attribute)).toContain(attribute);
    expect(srec.requests.length).toBe(sent);
    expect(rec.names(since)).toEqual([]);
    expect(conn.state.inFlight).toBe(0);
  });

  it('are refused the same way while the connection is down (not queued)', async () => {
    const sim = await h.sim();
    const { conn, rec } = await openOn(sim);
    await sim.stop();
    await rec.waitFor('EventServerDisconnected');
    await expect(conn.reserveAgent({})).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(conn.state.queued).toBe(0);
  });
});

describe('validation of received events', () => {
  it("'warn': protocolWarning names the event and the missing attribute; the event is still delivered", async () => {
    const sim = await h.sim();
    const { rec } = await openOn(sim, 'warn');
    const since = rec.mark();
    sim.sendEvent('EventRinging', { ThisDN: '1001' }); // ConnID is Mandatory
    const ringing = await rec.waitFor('EventRinging', { since });
    expect(ringing.value.ThisDN).toBe('1001');
    expect(rec.warnings).toContainEqual(
      expect.objectContaining({ code: 'ERR_MISSING_MANDATORY', event: 'EventRinging', attribute: 'ConnID', server: sim.url }),
    );
    expect(rec.errors).toEqual([]);
  });

  it("'strict': the event becomes an EventValidationError on 'error' and is not delivered", async () => {
    const sim = await h.sim();
    const { conn, rec } = await openOn(sim, 'strict');
    const since = rec.mark();
    sim.sendEvent('EventRinging', { ThisDN: '1001' });
    await waitUntil(() => rec.errors.length > 0, "an 'error'");
    const err = rec.errors[0] as EventValidationError;
    expect(err).toBeInstanceOf(EventValidationError);
    expect(err.code).toBe('ERR_EVENT_VALIDATION');
    expect(err.issues).toContainEqual(expect.objectContaining({ attribute: 'ConnID', messageName: 'EventRinging' }));
    expect(err.event).toMatchObject({ Event: 'EventRinging', ThisDN: '1001' });
    expect(rec.names(since)).toEqual([]);
    // The connection carries on.
    await expect(conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo' });
  });

  it("'strict': an answer that fails the catalogue rejects its request with EventValidationError", async () => {
    const sim = await h.sim();
    const { conn, rec } = await openOn(sim, 'strict');
    // Answer first with a bad EventAddressInfo (no ThisDN) carrying the request's ReferenceID.
    sim.on('request', (info) => {
      if (info.name === 'RequestQueryAddress') sim.sendEvent('EventAddressInfo', { ReferenceID: info.attributes.ReferenceID });
    });
    const out = await outcomeOf(conn.queryAddress('1001'));
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toBeInstanceOf(EventValidationError);
      expect((out.error as EventValidationError).issues[0]).toMatchObject({ attribute: 'ThisDN' });
    }
    // Pending-request failures are not also reported on 'error'.
    expect(rec.errors).toEqual([]);
  });

  it("'warn': such an answer resolves the request and warns", async () => {
    const sim = await h.sim();
    const { conn, rec } = await openOn(sim, 'warn');
    sim.on('request', (info) => {
      if (info.name === 'RequestQueryAddress') sim.sendEvent('EventAddressInfo', { ReferenceID: info.attributes.ReferenceID });
    });
    const answer = await conn.queryAddress('1001');
    expect(answer.ThisDN).toBeUndefined();
    expect(rec.warnings).toContainEqual(expect.objectContaining({ event: 'EventAddressInfo', attribute: 'ThisDN' }));
  });

  it("'off': delivered without a warning", async () => {
    const sim = await h.sim();
    const { rec } = await openOn(sim, 'off');
    const since = rec.mark();
    sim.sendEvent('EventRinging', { ThisDN: '1001' });
    await rec.waitFor('EventRinging', { since });
    expect(rec.warnings).toEqual([]);
    expect(rec.errors).toEqual([]);
  });

  it('an unknown message type is reported (unknownMessage + protocolWarning), not dropped, and the session stays up', async () => {
    const sim = await h.sim();
    const { conn, rec } = await openOn(sim);
    const since = rec.mark();
    sim.sendRaw(encodeFrame(300, { ThisDN: '1001' }));
    await waitUntil(() => rec.unknownMessages.length === 1, 'unknownMessage');
    expect(rec.unknownMessages[0]).toMatchObject({ Server: sim.url, type: 300 });
    expect(rec.warnings).toContainEqual(expect.objectContaining({ code: 'ERR_UNKNOWN_MESSAGE' }));
    await expect(conn.queryServer()).resolves.toBeDefined();
    expect(rec.names(since)).toEqual(['EventServerInfo']);
  });

  it('an unknown attribute id is kept on the event and reported', async () => {
    const sim = await h.sim();
    const { rec } = await openOn(sim);
    const since = rec.mark();
    sim.sendRaw(
      encodeFrame(96, { ThisDN: '1001', time: { seconds: 1_700_000_000, microseconds: 0 } }, [
        { id: 900, valueType: 'string', value: 'extra' },
      ]),
    );
    const e = await rec.waitFor('EventUserEvent', { since });
    expect(e.value.unknownAttributes).toEqual([{ id: 900, valueType: 'string', value: 'extra' }]);
    expect(rec.warnings).toContainEqual(
      expect.objectContaining({ code: 'ERR_UNKNOWN_ATTRIBUTE', attribute: '900', event: 'EventUserEvent' }),
    );
  });
});

describe('protocol violations and malformed frames from the server', () => {
  async function expectCleanReconnect(sim: TServerSimulator, inject: () => void, warningCode: string) {
    const srec = new SimRecorder(sim);
    const { conn, rec } = await openOn(sim);
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    const firstClient = srec.lastClient;
    const since = rec.mark();
    inject();
    await rec.waitFor('EventServerDisconnected', { since });
    const back = await rec.waitFor('EventServerConnected', { since });
    expect(back.value).toEqual({ Event: 'EventServerConnected', Server: sim.url });
    expect(rec.names(since).slice(0, 3)).toEqual(['EventServerDisconnected', 'EventServerConnected', 'EventLinkConnected']);
    expect(rec.warnings).toContainEqual(expect.objectContaining({ code: warningCode, server: sim.url }));
    expect(rec.errors).toEqual([]);
    // A new socket, the DNs registered again on it (the simulator's view).
    expect(srec.lastClient).not.toBe(firstClient);
    expect(srec.dnsOf(srec.lastClient)).toEqual(['1001', '1002']);
    expect(sim.clientCount).toBe(1);
    const ring = rec.mark();
    sim.placeCall('1002');
    await rec.waitFor('EventRinging', { since: ring, predicate: (e) => e.ThisDN === '1002' });
    await expect(conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo' });
    return rec;
  }

  it('a frame with a bad magic → EventServerDisconnected, protocolWarning, clean reconnect', async () => {
    const sim = await h.sim();
    await expectCleanReconnect(sim, () => sim.sendRaw(badMagicFrame()), 'ERR_BAD_MAGIC');
  });

  it('an oversized length field → clean reconnect', async () => {
    const sim = await h.sim();
    const b = Buffer.alloc(12);
    b.writeUInt32BE(0x7fffffff, 0);
    await expectCleanReconnect(sim, () => sim.sendRaw(b), 'ERR_FRAME_TOO_LARGE');
  });

  it('an attribute of the wrong value type → clean reconnect', async () => {
    const sim = await h.sim();
    await expectCleanReconnect(sim, () => sim.sendRaw(badValueTypeFrame()), 'ERR_BAD_VALUE_TYPE');
  });

  it('EventServerConnected (type 50) from the wire is a protocol violation, never delivered as such', async () => {
    const sim = await h.sim();
    const rec = await expectCleanReconnect(sim, () => sim.sendEvent('EventServerConnected', {}), 'ERR_UNEXPECTED_MESSAGE');
    // Every EventServerConnected users saw was made locally: Event and Server only.
    for (const e of rec.of('EventServerConnected')) expect(Object.keys(e).sort()).toEqual(['Event', 'Server']);
  });

  it('EventServerDisconnected (type 51) from the wire is a protocol violation too', async () => {
    const sim = await h.sim();
    const rec = await expectCleanReconnect(sim, () => sim.sendEvent('EventServerDisconnected', {}), 'ERR_UNEXPECTED_MESSAGE');
    for (const e of rec.of('EventServerDisconnected')) expect(Object.keys(e).sort()).toEqual(['Event', 'Server']);
  });
});

describe('listeners that throw', () => {
  it("are reported as HandlerError on 'error'; the SDK carries on", async () => {
    const sim = await h.sim();
    const { conn, rec } = await openOn(sim);
    conn.on('EventRegistered', () => {
      throw new Error('boom');
    });
    const answer = await conn.registerAddress('1001');
    expect(answer.ThisDN).toBe('1001');
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toBeInstanceOf(HandlerError);
    expect(rec.errors[0]).toMatchObject({ code: 'ERR_HANDLER', eventName: 'EventRegistered' });
    expect((rec.errors[0].cause as Error).message).toBe('boom');
    // 'event' still got it.
    expect(rec.of('EventRegistered')).toHaveLength(1);
    await expect(conn.queryServer()).resolves.toBeDefined();
  });

  it("with no 'error' listener, become a process warning, not a crash", async () => {
    const sim = await h.sim();
    const conn = h.conn(fastOptions(sim.url));
    await conn.open();
    conn.on('EventRegistered', () => {
      throw new Error('boom2');
    });
    // Captured, not printed: node's default handler would print the warning with its stack, which
    // reads as a failure in `npm test` output.
    const warnings: { message: string; code?: string }[] = [];
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(((warning: string | Error, options?: { code?: string }) => {
      warnings.push({ message: String(warning), code: options?.code });
    }) as typeof process.emitWarning);
    try {
      await conn.registerAddress('1001');
      await waitUntil(() => warnings.length > 0, 'a process warning');
      expect(warnings[0].message).toMatch(/boom2/);
      expect(warnings[0].code).toBe('ERR_HANDLER');
    } finally {
      emitWarning.mockRestore();
    }
  });
});

describe('error classes', () => {
  it('are exported from the package entry with stable codes', () => {
    const info = { name: 'RequestQueryServer', referenceId: 1, attributes: {} };
    const table: Array<[TlibError, string, unknown]> = [
      [new sdk.InvalidArgumentError('x'), 'ERR_INVALID_ARGUMENT', sdk.InvalidArgumentError],
      [new sdk.TServerError({ ErrorCode: 40 }, info), 'ERR_TSERVER', sdk.TServerError],
      [new sdk.RequestTimeoutError(info, 5), 'ERR_REQUEST_TIMEOUT', sdk.RequestTimeoutError],
      [new sdk.RequestInterruptedError(info, 'x'), 'ERR_REQUEST_INTERRUPTED', sdk.RequestInterruptedError],
      [new sdk.ConnectionClosedError(), 'ERR_CONNECTION_CLOSED', sdk.ConnectionClosedError],
      [new sdk.OfflineQueueFullError(3, 'RequestQueryServer'), 'ERR_OFFLINE_QUEUE_FULL', sdk.OfflineQueueFullError],
      [new sdk.ConnectError('s', 'x'), 'ERR_CONNECT', sdk.ConnectError],
      [new sdk.ConnectionLostError('ERR_ADDP_TIMEOUT', 's', 'x'), 'ERR_ADDP_TIMEOUT', sdk.ConnectionLostError],
      [new sdk.EventValidationError([], {}), 'ERR_EVENT_VALIDATION', sdk.EventValidationError],
      [new sdk.HandlerError('EventRinging', new Error('x')), 'ERR_HANDLER', sdk.HandlerError],
      [new sdk.NotConnectedError('x'), 'ERR_NOT_CONNECTED', sdk.NotConnectedError],
      [new sdk.BackupAddressRefusedError('x', {}), 'ERR_BACKUP_ADDRESS_REFUSED', sdk.BackupAddressRefusedError],
    ];
    for (const [err, code, cls] of table) {
      expect(err).toBeInstanceOf(sdk.TlibError);
      expect(err).toBeInstanceOf(Error);
      expect(err).toBeInstanceOf(cls as new (...a: never[]) => unknown);
      expect(err.code).toBe(code);
      expect(err.name).toBe((cls as { name: string }).name);
    }
  });
});
