/**
 * Floods and bursts from a bare server over real loopback sockets (issue 21 items 2, 4 and 5):
 * a resync storm of EventPrimaryChanged flaps, a burst of messages before the registration answer,
 * and hold queues that grow as fast as a server writes. Each bound is stated and checked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TServerConnection, type TServerConnectionOptions } from '../../src/index.js';
import { until } from '../ha/helpers.js';
import { NOW, RawTServer } from '../support/raw-tserver.js';

let raw: RawTServer | undefined;
let conn: TServerConnection | undefined;
afterEach(async () => {
  await conn?.close();
  await raw?.close();
  conn = raw = undefined;
});

const START = NOW();

async function openOn(options: Partial<TServerConnectionOptions> = {}): Promise<{ raw: RawTServer; conn: TServerConnection }> {
  raw = await RawTServer.start();
  conn = new TServerConnection({ primary: raw.url, addp: false, reconnect: false, ...options });
  await conn.open();
  return { raw, conn };
}

describe('the resync storm (issue 21 item 2)', () => {
  it('10,000 EventPrimaryChanged flaps from a server that never answers a query: at most one resync window pending; a user request is answered meanwhile', async () => {
    const { raw, conn } = await openOn({ resyncWindow: 100 });
    raw.onRequest = (r) => {
      if (r.name === 'RequestRegisterAddress')
        raw.send(r.socket, 'EventRegistered', { ThisDN: r.attributes.ThisDN, ReferenceID: r.attributes.ReferenceID });
      if (r.name === 'RequestQueryServer') raw.send(r.socket, 'EventServerInfo', { ReferenceID: r.attributes.ReferenceID });
      // Resync queries (location, address, call) are never answered.
    };
    await Promise.all(Array.from({ length: 300 }, (_, i) => conn.registerAddress(`${5000 + i}`)));
    const socket = [...raw.sockets][0];
    let seq = 1;
    let flaps = 0;
    conn.on('EventPrimaryChanged', () => flaps++);
    let most = 0;
    let answered = 0;
    for (let batch = 0; batch < 10; batch++) {
      raw.sendMany(
        socket,
        Array.from(
          { length: 1_000 },
          () => ['EventPrimaryChanged', { EventSequenceNumber: seq++, ServerStartTime: START }] as [string, Record<string, unknown>],
        ),
      );
      // The user's own request, in the middle of the storm.
      const user = conn.queryServer({ timeoutMs: 5_000 }).then(() => answered++);
      await until(() => flaps >= (batch + 1) * 1_000, `flap batch ${batch}`, 10_000);
      most = Math.max(most, conn.state.inFlight + conn.state.queued);
      await user;
    }
    expect(flaps).toBe(10_000);
    expect(answered).toBe(10);
    // One window (100) of resync queries at most, beside the user's own request.
    expect(most).toBeLessThanOrEqual(101);
    expect(raw.count('RequestQueryAddress') + raw.count('RequestQueryLocation')).toBeLessThanOrEqual(100);
  }, 30_000);
});
