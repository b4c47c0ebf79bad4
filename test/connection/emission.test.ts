/**
 * Emission on the connection's own listener registry (no eventemitter3 internals): the
 * eventemitter3 API as users know it, isolation, silent drops reported (issue 15 item 6), the
 * message of a request made before open(), and debug output that never prints a password.
 */
import createDebug from 'debug';
import { format } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionClosedError, TServerConnection, type TEvent } from '../../src/index.js';
import { redactAttributes } from '../../src/protocol/attributes.js';
import { nextEvent, singleRig, type SingleRig } from '../reliability/helpers.js';

let rig: SingleRig | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await rig?.stop();
  rig = undefined;
});

const ev = (Event: string) => ({ Event, Server: 's' }) as unknown as TEvent;

/** `emit` is the connection's own (protected): a subclass reaches it to drive the registry. */
class Probe extends TServerConnection {
  fire(event: string, arg?: unknown): boolean {
    return (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...(arg === undefined ? [] : [arg]));
  }
}

describe('the listener registry', () => {
  it('on / once / off / listeners / listenerCount / eventNames / removeAllListeners behave as eventemitter3', () => {
    const conn = new Probe({ primary: '127.0.0.1:1' });
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    conn.on('event', a).once('event', b).addListener('close', a);
    expect(conn.listenerCount('event')).toBe(2);
    expect(conn.listeners('event')).toEqual([a, b]);
    expect(conn.eventNames().sort()).toEqual(['close', 'event']);
    expect(conn.fire('event', ev('EventX'))).toBe(true);
    conn.fire('event', ev('EventX'));
    expect(calls).toEqual(['a', 'b', 'a']);
    conn.off('event', a);
    expect(conn.fire('event', ev('EventX'))).toBe(false);
    conn.removeAllListeners();
    expect(conn.eventNames()).toEqual([]);
  });

  it('this is the context given, or the connection', () => {
    const conn = new Probe({ primary: '127.0.0.1:1' });
    const ctx = { name: 'ctx' };
    const seen: unknown[] = [];
    conn.on(
      'close',
      function (this: unknown) {
        seen.push(this);
      },
      ctx,
    );
    conn.on('close', function (this: unknown) {
      seen.push(this);
    });
    conn.fire('close');
    expect(seen).toEqual([ctx, conn]);
  });

  it('a listener added during an emit gets the next event, not this one; one removed still gets this one', () => {
    const conn = new Probe({ primary: '127.0.0.1:1' });
    const calls: string[] = [];
    const late = () => calls.push('late');
    const second = () => calls.push('second');
    conn.on('close', () => {
      calls.push('first');
      conn.on('close', late);
      conn.off('close', second);
    });
    conn.on('close', second);
    conn.fire('close');
    expect(calls).toEqual(['first', 'second']);
    calls.length = 0;
    conn.fire('close');
    expect(calls).toEqual(['first', 'late']);
  });

  it('keeps nothing in eventemitter3’s storage, and emit is not public: an application cannot inject an event', () => {
    const conn = new TServerConnection({ primary: '127.0.0.1:1' });
    conn.on('event', () => undefined);
    expect((conn as unknown as { _events?: unknown })._events).toBeUndefined();
    const inject = () =>
      // @ts-expect-error emit is protected: only the connection says what happened
      conn.emit('EventServerConnected', { Event: 'EventServerConnected', Server: 'forged' });
    expect(typeof inject).toBe('function'); // never called: the compiler is the check
  });
});

describe('nothing vanishes', () => {
  it("'strict' validation with no 'error' listener: an invalid event is reported as a process warning", async () => {
    rig = await singleRig({ validation: 'strict' });
    const { conn, sim } = rig;
    conn.removeAllListeners('error');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const after = nextEvent(conn, 'EventUserEvent');
    sim.sendEvent('EventACK', {}); // no ReferenceID: Mandatory
    sim.sendEvent('EventUserEvent', { ThisDN: '1001' });
    await after;
    const calls = warn.mock.calls.filter((c) => (c[1] as { code?: string })?.code === 'ERR_EVENT_VALIDATION');
    expect(calls).toHaveLength(1);
    expect(String(calls[0][0])).toMatch(/ReferenceID/);
  });

  it("with an 'error' listener it goes there, and no warning", async () => {
    rig = await singleRig({ validation: 'strict' });
    const { conn, sim } = rig;
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const after = nextEvent(conn, 'EventUserEvent');
    sim.sendEvent('EventACK', {});
    sim.sendEvent('EventUserEvent', { ThisDN: '1001' });
    await after;
    expect(rig.rec.errors.map((e) => e.code)).toEqual(['ERR_EVENT_VALIDATION']);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('requests before open()', () => {
  it('say to call open() first', async () => {
    const conn = new TServerConnection({ primary: '127.0.0.1:1' });
    const err = await conn.queryServer().catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as Error).message).toBe('RequestQueryServer refused: the connection is not open — call open() first');
  });
});

describe('debug output never prints a password', () => {
  it('redactAttributes hides Password attributes and kvlist keys, and copies only when it must', () => {
    const plain = { ThisDN: '1001', UserData: [['a', 1]] };
    expect(redactAttributes(plain)).toBe(plain);
    const secret = {
      ThisDN: '1001',
      Password: 'hunter2',
      UserData: [
        ['agentPassword', 'hunter2'],
        ['nested', [['PASSWORD', 'x']]],
      ],
    };
    expect(redactAttributes(secret)).toEqual({
      ThisDN: '1001',
      Password: '***',
      UserData: [
        ['agentPassword', '***'],
        ['nested', [['PASSWORD', '***']]],
      ],
    });
    expect(secret.Password).toBe('hunter2');
  });

  it('tlib:data shows requests and events with the password masked', async () => {
    rig = await singleRig();
    const lines: string[] = [];
    const log = createDebug.log;
    const enabled = createDebug.disable();
    createDebug.enable('tlib:data');
    createDebug.log = (...args: unknown[]) => lines.push(format(...args));
    try {
      await rig.conn.registerAddress('1001');
      const connId = rig.sim.placeCall('1001');
      await nextEvent(rig.conn, 'EventRinging');
      await rig.conn.attachUserData('1001', connId, { Password: 'hunter2', note: 'visible' });
    } finally {
      createDebug.log = log;
      createDebug.disable();
      if (enabled) createDebug.enable(enabled);
    }
    const out = lines.join('\n');
    expect(out).toMatch(/RequestAttachUserData/);
    expect(out).toMatch(/visible/);
    expect(out).not.toMatch(/hunter2/);
  });
});
