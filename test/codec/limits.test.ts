/** The encoder refuses what a receiver with the default limit would refuse; the connection says so. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FRAME_BYTES, ProtocolError, TServerConnection, decodeFrame, encodeFrame } from '../../src/index.js';
import { TServerSimulator } from '../../src/simulator/index.js';

describe('frame size on send', () => {
  it('a frame of exactly the limit is written and decodes; one byte more is refused with ERR_ENCODE', () => {
    // Body = 8 header bytes + one attribute: id (2) + type (1) + length (4) + the string.
    const fits = 'x'.repeat(DEFAULT_MAX_FRAME_BYTES - 8 - 7);
    const frame = encodeFrame(1, { ErrorMessage: fits });
    expect(frame.length).toBe(4 + DEFAULT_MAX_FRAME_BYTES);
    expect(decodeFrame(frame).attributes.ErrorMessage).toBe(fits);
    let err: unknown;
    try {
      encodeFrame(1, { ErrorMessage: `${fits}x` });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: 'ERR_ENCODE' });
    expect((err as Error).message).toContain('limit');
  });

  let sim: TServerSimulator | undefined;
  let conn: TServerConnection | undefined;
  afterEach(async () => {
    await conn?.close();
    await sim?.stop();
  });

  it('an oversized request is rejected locally; the session stays up', async () => {
    sim = new TServerSimulator();
    await sim.start();
    conn = new TServerConnection({ primary: sim.url, addp: false, requestTimeoutMs: 2_000 });
    const events: string[] = [];
    conn.on('event', (e) => events.push(e.Event));
    await conn.open();
    await conn.registerAddress('1001');
    const huge = [['blob', 'y'.repeat(DEFAULT_MAX_FRAME_BYTES)]] as [string, string][];
    await expect(conn.sendUserEvent('1001', { UserData: huge })).rejects.toMatchObject({ code: 'ERR_ENCODE' });
    expect((await conn.queryServer()).Event).toBe('EventServerInfo');
    expect(events).not.toContain('EventServerDisconnected');
    expect(conn.state.inFlight).toBe(0);
  });
});
