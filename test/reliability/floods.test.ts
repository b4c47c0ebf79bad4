/**
 * Floods and bursts from a bare server over real loopback sockets (issue 21 items 2, 4 and 5):
 * a resync storm of EventPrimaryChanged flaps, a burst of messages before the registration answer,
 * and hold queues that grow as fast as a server writes. Each bound is stated and checked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ResyncSummary, TServerConnection, type TServerConnectionOptions } from '../../src/index.js';
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

describe('the resync window grows while answers come back (ledger/resync.ts ResyncWindow)', () => {
  it('a server that answers every query: more than resyncWindow at once, never more than maxResyncWindow', async () => {
    const { raw: server, conn: c } = await openOn({
      requestTimeoutMs: 20_000,
      offlineQueue: { limit: 5_000 },
      resyncWindow: 50,
      maxResyncWindow: 400,
      // reconnect on: dropping the client makes it reconnect and resync (resyncOnReconnect).
      reconnect: { minTimeoutMs: 10, maxTimeoutMs: 50, randomize: false },
    });
    let outstandingAtServer = 0;
    let most = 0;
    // Answers are written on the next turn of the loop, a batch at a time (as a server would).
    let batch: Array<[string, Record<string, unknown>]> = [];
    server.onRequest = (r) => {
      const ref = r.attributes.ReferenceID;
      if (r.name === 'RequestRegisterAddress') {
        server.send(r.socket, 'EventRegistered', { ReferenceID: ref, ThisDN: r.attributes.ThisDN });
        return;
      }
      if (!r.name.startsWith('RequestQuery')) return;
      outstandingAtServer++;
      most = Math.max(most, outstandingAtServer);
      if (batch.length === 0) {
        setImmediate(() => {
          const frames = batch;
          batch = [];
          outstandingAtServer -= frames.length;
          if (!r.socket.destroyed) server.sendMany(r.socket, frames);
        });
      }
      if (r.name === 'RequestQueryAddress') batch.push(['EventAddressInfo', { ReferenceID: ref, ThisDN: r.attributes.ThisDN }]);
      else batch.push(['EventLocationInfo', { ReferenceID: ref }]);
    };
    const dns = Array.from({ length: 3_000 }, (_, i) => String(20_000 + i));
    await Promise.all(dns.map((dn) => c.registerAddress(dn)));
    let clientMost = 0;
    c.on('EventAddressInfo', () => (clientMost = Math.max(clientMost, c.state.inFlight)));
    const resynced = new Promise<ResyncSummary>((resolve) => c.once('resynced', resolve));
    most = 0;
    server.dropClients(); // the reconnect resyncs (resyncOnReconnect)
    const summary = await resynced;
    expect(summary).toMatchObject({ dns: 3_000, errors: [] });
    expect(most).toBeGreaterThan(50);
    expect(most).toBeLessThanOrEqual(400);
    expect(clientMost).toBeGreaterThan(50);
    expect(clientMost).toBeLessThanOrEqual(400);
    await until(() => outstandingAtServer === 0, 'every answer written');
  }, 30_000);
});

describe('the resync storm (issue 21 item 2)', () => {
  it('10,000 EventPrimaryChanged flaps from a server that never answers a query: at most one resync window pending; a user request is answered meanwhile', async () => {
    // A window that may grow to 10,000: it never does, as no answer comes back.
    const { raw, conn } = await openOn({ resyncWindow: 100, maxResyncWindow: 10_000 });
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

/** Every error in `err`'s cause chain, by code. */
function codes(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as { code?: string; cause?: unknown } | undefined, n = 0; e && n < 10; e = e.cause as typeof e, n++)
    out.push(String(e.code));
  return out;
}

const registered = (raw: RawTServer) => (r: { name: string; attributes: Record<string, unknown>; socket: import('node:net').Socket }) => {
  if (r.name === 'RequestRegisterAddress')
    raw.send(r.socket, 'EventRegistered', { ThisDN: r.attributes.ThisDN, ReferenceID: r.attributes.ReferenceID });
};

describe('a burst held before the registration answer (issue 21 item 4)', () => {
  let backup: RawTServer | undefined;
  afterEach(async () => {
    await backup?.close();
    backup = undefined;
  });

  it('200,000 messages from the backup before it answers registration: every DN is registered there, and the burst is delivered once it is the primary', async () => {
    raw = await RawTServer.start();
    const b = (backup = await RawTServer.start());
    raw.onRequest = registered(raw);
    b.onRequest = registered(b);
    const BURST = 200_000;
    b.onRegister = (r) => {
      // It says it is the primary now, then floods, and only then answers the registration.
      const frames: Array<[string, Record<string, unknown>]> = [
        ['EventPrimaryChanged', { EventSequenceNumber: 1_000, ServerStartTime: START }],
      ];
      for (let i = 0; i < BURST; i++)
        frames.push(['EventUserEvent', { ThisDN: '5000', EventSequenceNumber: 1_001 + i, ServerStartTime: START }]);
      frames.push(['EventLinkConnected', { ReferenceID: r.attributes.ReferenceID }]);
      b.sendMany(r.socket, frames);
      return true;
    };
    // reconnect on: a standby is dialled only when the connection may reconnect.
    conn = new TServerConnection({ primary: raw.url, backup: b.url, addp: false, requestTimeoutMs: 20_000 });
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(String(w.code));
    process.on('warning', onWarning);
    try {
      await conn.open();
      const dns = Array.from({ length: 50 }, (_, i) => `${5000 + i}`);
      await Promise.all(dns.map((dn) => conn!.registerAddress(dn)));
      let userEvents = 0;
      conn.on('EventUserEvent', () => userEvents++);
      const [host, port] = b.url.split(':');
      raw.send([...raw.sockets][0], 'EventRestoreConnection', {
        ServerRole: 0,
        UserData: [
          ['BackupHost', host],
          ['BackupPort', Number(port)],
        ],
      });
      await until(() => userEvents === BURST, 'the burst delivered by the new primary', 20_000);
      expect(conn.state.active).toBe(b.url);
      await until(() => b.count('RequestRegisterAddress') >= dns.length, 'the registrations at the backup');
      expect(b.requests.filter((r) => r.name === 'RequestRegisterAddress').map((r) => r.attributes.ThisDN)).toEqual(dns);
      expect(warnings).not.toContain('ERR_TLIB_INTERNAL');
    } finally {
      process.off('warning', onWarning);
    }
  }, 40_000);
});

describe('hold queues are bounded in bytes (issue 21 item 5)', () => {
  const flood = (n: number): Array<[string, Record<string, unknown>]> =>
    Array.from({ length: n }, (_, i) => [
      'EventUserEvent',
      { ThisDN: '5000', UserData: [['pad', 'x'.repeat(200)]], EventSequenceNumber: i + 1 },
    ]);

  it('before the registration answer: past maxHeldBytes open() fails with ERR_HOLD_OVERFLOW, the socket is closed', async () => {
    raw = await RawTServer.start();
    const server = raw;
    server.onRegister = (r) => {
      server.sendMany(r.socket, flood(20_000)); // ~5 MB, and no answer
      return true;
    };
    conn = new TServerConnection({ primary: server.url, addp: false, reconnect: false, maxHeldBytes: 1 << 20 });
    const err = await conn.open().catch((e: unknown) => e);
    expect(codes(err)).toContain('ERR_HOLD_OVERFLOW');
    await until(() => server.sockets.size === 0, 'the socket closed');
  });

  it('during a ledger replay: past maxHeldBytes the session is dropped (protocolWarning ERR_HOLD_OVERFLOW), and the next one recovers', async () => {
    raw = await RawTServer.start();
    const server = raw;
    server.onRequest = registered(server);
    conn = new TServerConnection({
      primary: server.url,
      addp: false,
      reconnect: { minTimeoutMs: 10, maxTimeoutMs: 20, randomize: false },
      maxHeldBytes: 1 << 20,
    });
    await conn.open();
    await conn.registerAddress('5000');
    const warnings: string[] = [];
    conn.on('protocolWarning', (w) => warnings.push(w.code));
    // The next session floods instead of answering the replayed registration.
    let floods = 1;
    server.onRequest = (r) => {
      if (r.name === 'RequestRegisterAddress' && floods-- > 0) server.sendMany(r.socket, flood(20_000));
      else registered(server)(r);
    };
    const reopened = new Promise((resolve) => conn!.once('EventServerConnected', resolve));
    server.dropClients();
    await reopened;
    expect(warnings).toContain('ERR_HOLD_OVERFLOW');
    expect(conn.state).toMatchObject({ status: 'open', registeredDNs: 1 });
  }, 20_000);
});
