/**
 * ADDP (both directions), freeze, sendRaw/sendEvent, dropClients, TLS, and stop() leaving no
 * handles behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ADDP_PING } from '../../src/protocol/catalogue.js';
import { TServerSimulator } from '../../src/simulator/index.js';
import { ClientPool } from '../support/wire-client.js';
import { arrivedBy } from './desks.js';
import { ManualClock } from './manual-clock.js';

const pool = new ClientPool();
const sims: TServerSimulator[] = [];

async function started(options: ConstructorParameters<typeof TServerSimulator>[0] = {}): Promise<TServerSimulator> {
  const sim = new TServerSimulator(options);
  sims.push(sim);
  await sim.start();
  return sim;
}

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe('ADDP', () => {
  it('answers AddpPing with AddpPong at once, even before RegisterClient', async () => {
    const sim = await started();
    const c = await pool.connect(sim.url);
    c.sendFrame(ADDP_PING);
    const pong = await c.waitFor('AddpPong', { timeoutMs: 500 });
    expect(pong.attributes).toEqual({});
    expect(sim.addpStats().pingsReceived).toBe(1);
    expect(sim.requestCounts()).toEqual({});
  });

  it('pings a client that asked for AddpTimeout when it is idle, and keeps it while it answers', async () => {
    const clock = new ManualClock();
    const sim = await started({ clock });
    const c = await pool.registered(sim.url, { addpTimeout: 80 });
    for (let n = 1; n <= 3; n++) {
      clock.advance(80);
      await c.waitForCount('AddpPing', n);
      // The pong re-arms the idle period: wait until the server has read it.
      await expect.poll(() => sim.addpStats().pongsReceived).toBe(n);
    }
    expect(c.isClosed).toBe(false);
  });

  it('does not ping a client that did not ask for ADDP', async () => {
    const clock = new ManualClock();
    const sim = await started({ clock });
    const c = await pool.registered(sim.url);
    clock.advance(3_600_000);
    expect(await arrivedBy(c, 'AddpPing', 0)).toEqual([]);
    expect(sim.addpStats().pingsSent).toBe(0);
  });

  it('closes a client that stays silent for AddpTimeout after a ping', async () => {
    const clock = new ManualClock();
    const sim = await started({ clock });
    const closed: string[] = [];
    sim.on('clientClosed', (e) => closed.push(e.reason));
    const c = await pool.registered(sim.url, { addpTimeout: 80, autoPong: false });
    clock.advance(79);
    expect(sim.addpStats().pingsSent).toBe(0);
    clock.advance(1);
    await c.waitFor('AddpPing');
    clock.advance(79);
    expect(c.isClosed).toBe(false);
    clock.advance(1);
    await c.waitForClose();
    expect(c.received.filter((m) => m.name === 'AddpPing')).toHaveLength(1);
    expect(closed).toEqual(['ADDP timeout']);
  });

  it('any frame from the client counts as a sign of life', async () => {
    const clock = new ManualClock();
    const sim = await started({ clock });
    const c = await pool.registered(sim.url, { addpTimeout: 100, autoPong: false });
    for (let n = 0; n < 20; n++) {
      await c.request('RequestQueryServer');
      clock.advance(30);
    }
    expect(c.isClosed).toBe(false);
    expect(c.received.filter((m) => m.name === 'AddpPing')).toEqual([]);
  });
});

describe('freeze', () => {
  it('answers nothing while frozen, ADDP included; sockets stay open; unfreeze resumes', async () => {
    const clock = new ManualClock();
    const sim = await started({ clock });
    const c = await pool.registered(sim.url, { addpTimeout: 60, autoPong: false });
    sim.freeze();
    expect(sim.isFrozen).toBe(true);
    const since = c.mark();
    c.send('RequestQueryServer');
    c.sendFrame(ADDP_PING);
    sim.placeCall('3001');
    sim.setLink(false);
    clock.advance(1_000);
    // A socket-level wait: the frozen server has read both frames (and dropped them).
    await expect.poll(() => sim.framesDiscarded).toBe(2);
    expect(c.isClosed).toBe(false);
    expect(sim.clientCount).toBe(1);

    sim.freeze(false);
    expect(await arrivedBy(c, () => true, since)).toEqual([]);
    // ADDP runs again: the silent client is pinged, then closed.
    clock.advance(60);
    await c.waitFor('AddpPing', { since });
    clock.advance(60);
    await c.waitForClose();
  });
});

describe('raw controls', () => {
  it('sendRaw writes the bytes to every connected client, registered or not', async () => {
    const sim = await started();
    const a = await pool.registered(sim.url);
    const b = await pool.connect(sim.url);
    // A socket-level wait: the server accepts both sockets.
    await expect.poll(() => sim.clientCount, { timeout: 1000 }).toBe(2);
    sim.sendRaw(encodeFrame(117, { ErrorCode: 7, time: { seconds: 1, microseconds: 2 } }));
    for (const c of [a, b]) {
      const m = await c.waitFor('EventHardwareError');
      expect(m.attributes).toEqual({ ErrorCode: 7, time: { seconds: 1, microseconds: 2 } });
    }
    sim.sendRaw(Uint8Array.of(0, 0, 0, 8, 0xde, 0xad, 1, 0, 0, 0, 0, 0));
    // A socket-level wait: the client reads the bad frame.
    await expect.poll(() => a.protocolErrors.map((e) => e.code), { timeout: 1000 }).toEqual(['ERR_BAD_MAGIC']);
  });

  it('sendEvent encodes by name or type, stamped unless told not to', async () => {
    const sim = await started();
    const c = await pool.registered(sim.url);
    sim.sendEvent('EventCallInfoChanged', { ConnID: '0000000000000abc' });
    const m = await c.waitFor('EventCallInfoChanged');
    expect(m.attributes.ConnID).toBe('0000000000000abc');
    expect(typeof m.attributes.EventSequenceNumber).toBe('number');
    sim.sendEvent(99, {}, { stamp: false });
    const obsolete = await c.waitFor('EventResourceAllocated');
    expect(obsolete.attributes).toEqual({});
    expect(() => sim.sendEvent('EventNope', {})).toThrow(/unknown message/);
  });

  it('dropClients destroys every client socket; the server keeps listening', async () => {
    const sim = await started();
    const a = await pool.registered(sim.url);
    const b = await pool.registered(sim.url);
    sim.dropClients();
    await Promise.all([a.waitForClose(), b.waitForClose()]);
    const c = await pool.registered(sim.url);
    expect((await c.request('RequestQueryServer')).name).toBe('EventServerInfo');
  });
});

describe('TLS', () => {
  it('listens with tls.createServer when tls options are given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlib-sim-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
        ],
        { stdio: 'ignore', timeout: 15_000 },
      );
      const cert = readFileSync(join(dir, 'cert.pem'));
      const key = readFileSync(join(dir, 'key.pem'));
      const sim = await started({ tls: { cert, key } });
      const c = await pool.connect(sim.url, { tls: { ca: cert, checkServerIdentity: () => undefined } });
      expect((await c.register()).name).toBe('EventLinkConnected');
      expect(c.socket.constructor.name).toBe('TLSSocket');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stop', () => {
  it('leaves no timers, sockets or servers behind', async () => {
    const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    // Sockets of earlier tests may still be closing: start from a quiet process.
    await expect.poll(() => count('TCPWrap') + count('TCPServerWrap'), { timeout: 2000 }).toBe(0);
    const before = { timers: count('Timeout'), tcp: 0 };
    const sim = await started();
    const a = await pool.registered(sim.url, { addpTimeout: 5000 });
    await pool.registered(sim.url, { addpTimeout: 5000 });
    await a.request('RequestTransactionMonitoring', { SubscriptionOperation: 1 });
    expect(count('Timeout')).toBeGreaterThanOrEqual(before.timers + 2);
    await sim.stop();
    await pool.closeAll();
    await expect
      .poll(() => ({ timers: count('Timeout'), tcp: count('TCPWrap') + count('TCPServerWrap') }), { timeout: 2000 })
      .toEqual(before);
    expect(sim.isRunning).toBe(false);
    expect(sim.clientCount).toBe(0);
  });

  it('start() again listens on the same port', async () => {
    const sim = await started();
    const port = sim.address().port;
    await sim.stop();
    await sim.start();
    expect(sim.address().port).toBe(port);
    const c = await pool.registered(sim.url);
    expect(c.isClosed).toBe(false);
  });
});
