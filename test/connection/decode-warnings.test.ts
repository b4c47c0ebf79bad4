/**
 * Invalid UTF-8 from a server is reported, not silent (issue 15 item 6), over a real loopback
 * socket: the event is delivered with U+FFFD in place of the bad bytes, and each defect the decoder
 * found is a protocolWarning naming the event and the attribute path — two different UserData keys
 * that read alike after replacement too. The event users get equals its decoded attributes
 * (`eventOf`, the compiled shape) in content and property order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { TServerConnection } from '../../src/connection/index.js';
import type { ProtocolWarning, TEvent } from '../../src/index.js';
import { until } from '../ha/helpers.js';
import { NOW, RawTServer } from '../support/raw-tserver.js';

let raw: RawTServer | undefined;
let conn: TServerConnection | undefined;
afterEach(async () => {
  await conn?.close();
  await raw?.close();
  conn = raw = undefined;
});

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const str = (b: Buffer) => Buffer.concat([u32(b.length), b]);
const attr = (id: number, type: number, value: Buffer) => Buffer.concat([u16(id), Buffer.from([type]), value]);
function frame(type: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat([u16(0x544c), Buffer.from([1, 0]), u16(type), u16(attrs.length), ...attrs]);
  return Buffer.concat([u32(body.length), body]);
}
const kvString = (key: Buffer, value: string) => Buffer.concat([u16(key.length), key, Buffer.from([2]), str(Buffer.from(value))]);

describe('invalid UTF-8 from the server', () => {
  it('is delivered with U+FFFD and reported as protocolWarnings (ERR_INVALID_UTF8, ERR_KEY_COLLISION)', async () => {
    raw = await RawTServer.start();
    conn = new TServerConnection({ primary: raw.url, addp: false, reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false } });
    const warnings: ProtocolWarning[] = [];
    const events: TEvent[] = [];
    conn.on('protocolWarning', (w) => warnings.push(w));
    conn.on('event', (e) => events.push(e));
    await conn.open();
    const socket = [...raw.sockets][0] as net.Socket;
    const now = NOW();
    const time = Buffer.concat([u32(now.seconds), u32(0)]);
    const userData = Buffer.concat([u32(2), kvString(Buffer.from([0x41, 0xff]), 'one'), kvString(Buffer.from([0x41, 0xfe]), 'two')]);
    // EventUserEvent (96): ThisDN with a bad byte, UserData whose two keys differ only in bad bytes.
    socket.write(frame(96, [attr(20, 2, str(Buffer.from([0x31, 0x30, 0xff, 0x31]))), attr(51, 4, userData), attr(86, 6, time)]));
    await until(() => events.some((e) => e.Event === 'EventUserEvent'), 'the EventUserEvent');
    const e = events.find((x) => x.Event === 'EventUserEvent') as unknown as Record<string, unknown>;
    expect(e.ThisDN).toBe('10\ufffd1');
    expect(e.UserData).toEqual([
      ['A\ufffd', 'one'],
      ['A\ufffd', 'two'],
    ]);
    expect(Object.keys(e)).toEqual(['Event', 'Server', 'ThisDN', 'UserData', 'time']);
    const decoded = warnings.filter((w) => w.code === 'ERR_INVALID_UTF8' || w.code === 'ERR_KEY_COLLISION');
    expect(decoded.map((w) => [w.code, w.attribute, w.event, w.server])).toEqual([
      ['ERR_INVALID_UTF8', 'ThisDN', 'EventUserEvent', raw.url],
      ['ERR_INVALID_UTF8', 'UserData', 'EventUserEvent', raw.url],
      ['ERR_INVALID_UTF8', 'UserData', 'EventUserEvent', raw.url],
      ['ERR_KEY_COLLISION', 'UserData', 'EventUserEvent', raw.url],
    ]);
    // The session goes on: not a malformed frame.
    expect(conn.state.status).toBe('open');
  }, 20_000);

  it('a valid non-ASCII event brings no decoder warning', async () => {
    raw = await RawTServer.start();
    conn = new TServerConnection({ primary: raw.url, addp: false });
    const warnings: ProtocolWarning[] = [];
    const events: TEvent[] = [];
    conn.on('protocolWarning', (w) => warnings.push(w));
    conn.on('event', (e) => events.push(e));
    await conn.open();
    const socket = [...raw.sockets][0] as net.Socket;
    raw.send(socket, 'EventUserEvent', { ThisDN: 'Pérez 日本', UserData: [['clé', 'valeur é']] });
    await until(() => events.some((e) => e.Event === 'EventUserEvent'), 'the EventUserEvent');
    const e = events.find((x) => x.Event === 'EventUserEvent') as unknown as Record<string, unknown>;
    expect(e.ThisDN).toBe('Pérez 日本');
    expect(e.UserData).toEqual([['clé', 'valeur é']]);
    expect(warnings.filter((w) => w.code === 'ERR_INVALID_UTF8' || w.code === 'ERR_KEY_COLLISION')).toEqual([]);
  }, 20_000);
});
