/**
 * Hot standby over real loopback sockets with HotStandbyPair: RestoreConnection consumed, failover
 * on kill / switchover / ADDP silence, resync after EventPrimaryChanged, link-event order, duplicate
 * suppression, the switchover race, and no growth over many failovers.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLostError, RequestInterruptedError, type TEvent } from '../../src/index.js';
import { nextEvent, nextResync, resources, roundTrip, startRig, stopRig, until, type Rig } from './helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await stopRig(rig);
  rig = undefined;
});

describe('EventRestoreConnection', () => {
  it('is consumed internally: never on "event", on its name, or in events()', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    let byName = 0;
    (conn as unknown as { on(n: string, f: () => void): void }).on('EventRestoreConnection', () => byName++);
    const ac = new AbortController();
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const e of conn.events({ signal: ac.signal })) seen.push(e.Event);
    })();
    // The primary announced its backup at registration: a standby session opened from it.
    await until(() => conn.state.standby, 'a standby session');
    expect(conn.state.backupEndpoint).toBe(pair.b.url);
    await conn.registerAddress('1001');
    await pair.switchover(); // old primary sends RestoreConnection ServerRole 1
    await until(() => conn.state.active === pair.b.url, 'switch to b');
    await pair.restart(pair.a).catch(() => undefined); // running: throws; nothing else to do
    await until(() => seen.includes('EventPrimaryChanged'), 'PrimaryChanged in events()');
    ac.abort();
    await iterating;
    expect(pair.a.requestCounts().RequestRegisterClient).toBeGreaterThanOrEqual(1);
    expect(rig.names()).not.toContain('EventRestoreConnection');
    expect(seen).not.toContain('EventRestoreConnection');
    expect(byName).toBe(0);
  });

  it('opens a silent standby session on the backup and registers the same DNs there', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    await until(() => (pair.b.requestCounts().RequestRegisterAddress ?? 0) >= 2, 'registrations on the backup');
    // Nothing from the standby reached the user.
    expect(rig.events.every((e) => e.Server === pair.a.url)).toBe(true);
    expect(rig.events.filter((e) => e.Event === 'EventRegistered')).toHaveLength(2);
  });
});

describe('failover when the primary dies', () => {
  it('50 DNs and a logged-in agent: events resume from the new primary and the resync queries all 50 DNs there', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    const dns = Array.from({ length: 50 }, (_, i) => String(2000 + i));
    await Promise.all(dns.map((dn) => conn.registerAddress(dn)));
    await conn.agentLogin('2000', 'agent-7');
    await conn.agentReady('2000');
    await until(() => (pair.b.requestCounts().RequestRegisterAddress ?? 0) >= 50, '50 registrations on the backup');
    const queriesBefore = pair.b.requestCounts().RequestQueryAddress ?? 0;
    const sessionsOnB = pair.b.requestCounts().RequestRegisterClient;
    expect(sessionsOnB).toBe(1); // the standby session

    const resynced = nextResync(conn);
    await pair.killPrimary();
    const summary = await resynced;
    expect(summary.server).toBe(pair.b.url);
    expect(summary.dns).toBe(50);
    expect(summary.errors).toEqual([]);
    expect((pair.b.requestCounts().RequestQueryAddress ?? 0) - queriesBefore).toBe(50);
    expect(pair.b.requestCounts().RequestQueryLocation).toBeGreaterThanOrEqual(1);

    // Order: the lost server first, then the new primary's EventPrimaryChanged.
    const names = rig.names();
    const disc = names.indexOf('EventServerDisconnected');
    const changed = names.indexOf('EventPrimaryChanged');
    expect(disc).toBeGreaterThanOrEqual(0);
    expect(changed).toBeGreaterThan(disc);
    expect(rig.events[disc].Server).toBe(pair.a.url);
    expect(rig.events[changed].Server).toBe(pair.b.url);

    // Agent state survived; a new call on a registered DN arrives from the new primary.
    const info = await conn.queryAddress('2000');
    expect(info.Server).toBe(pair.b.url);
    expect(info.AgentStatus).toBe(3);
    const ringing = nextEvent(conn, 'EventRinging');
    const connId = pair.b.placeCall('2001');
    const e = (await ringing) as TEvent & { ConnID: string };
    expect(e.Server).toBe(pair.b.url);
    expect(e.ConnID).toBe(connId);
    expect(conn.state.active).toBe(pair.b.url);
    // The standby session itself became the active one: no new session, so no dial and no backoff.
    expect(pair.b.requestCounts().RequestRegisterClient).toBe(sessionsOnB);
  });

  it('queries the calls it knows on registered DNs during the resync', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    const ringing = nextEvent(conn, 'EventRinging');
    const connId = pair.a.placeCall('1001', { from: '5550001' });
    await ringing;
    expect([...conn.calls.keys()]).toEqual([connId]);
    const resynced = nextResync(conn);
    await pair.killPrimary();
    const summary = await resynced;
    expect(summary.calls).toBe(1);
    expect(pair.b.requestCounts().RequestQueryCall).toBe(1);
    const party = rig.events.find((e) => e.Event === 'EventPartyInfo') as (TEvent & { ConnID?: string }) | undefined;
    expect(party?.ConnID).toBe(connId);
  });

  it('idempotent requests in flight are re-sent on the new primary; others are interrupted', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    pair.a.freeze(true); // requests stay in flight on the primary
    const query = conn.queryAddress('1001');
    const login = conn.agentLogin('1001', 'agent-1').then(
      () => undefined,
      (err: unknown) => err,
    );
    await until(() => conn.state.inFlight >= 2, 'two requests in flight');
    await pair.killPrimary();
    const answer = await query;
    expect(answer.Server).toBe(pair.b.url);
    const err = await login;
    expect(err).toBeInstanceOf(RequestInterruptedError);
    expect(err).toMatchObject({ code: 'ERR_REQUEST_INTERRUPTED' });
  });

  it('a frozen primary is detected by ADDP and the standby takes over', async () => {
    rig = await startRig({}, { addp: { timeoutMs: 300, remoteTimeoutMs: 300 } });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    // Why the session went (the verdict's timing is tested on a fake clock in test/transport/keepalive.test.ts).
    const losses: Array<{ server: string; reason: Error }> = [];
    const onLost = (m: unknown) => {
      const lost = m as { connection: object; server: string; reason: Error };
      if (lost.connection === conn) losses.push(lost);
    };
    diagnosticsChannel.subscribe('tlib:session:lost', onLost);
    try {
      const disconnected = nextEvent(conn, 'EventServerDisconnected', 5_000);
      pair.a.freeze(true);
      const e = await disconnected;
      expect(e.Server).toBe(pair.a.url);
      // The client switched to the (still backup) other server at once; requests go there now.
      expect(conn.state.active).toBe(pair.b.url);
    } finally {
      diagnosticsChannel.unsubscribe('tlib:session:lost', onLost);
    }
    // ADDP said so (not the request timeout, not a socket error), and not before its timeout.
    expect(losses).toHaveLength(1);
    expect(losses[0].server).toBe(pair.a.url);
    expect(losses[0].reason).toBeInstanceOf(ConnectionLostError);
    expect(losses[0].reason).toMatchObject({ code: 'ERR_ADDP_TIMEOUT' });
    const idleMs = Number(/no frame for (\d+) ms/.exec(losses[0].reason.message)?.[1]);
    expect(idleMs).toBeGreaterThanOrEqual(300);
  });

  it('without a standby session it falls back to the reconnect loop', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    // Lose the standby first (kill the backup), then the primary.
    await pair.kill(pair.b);
    await until(() => !conn.state.standby, 'standby gone');
    const disconnected = nextEvent(conn, 'EventServerDisconnected');
    await pair.kill(pair.a);
    await disconnected;
    expect(conn.state.status).toBe('reconnecting');
    await pair.restart(pair.a); // alone: comes back as primary
    const connected = await nextEvent(conn, 'EventServerConnected', 4_000);
    expect(connected.Server).toBe(pair.a.url);
    await until(() => (pair.a.requestCounts().RequestRegisterAddress ?? 0) >= 1, 'DN re-registered on a');
  });
});

describe('graceful switchover', () => {
  it('switches without EventServerDisconnected and resyncs on the new primary', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    await until(() => (pair.b.requestCounts().RequestRegisterAddress ?? 0) >= 1, 'registration on b');
    const resynced = nextResync(conn);
    await pair.switchover();
    const summary = await resynced;
    expect(summary.server).toBe(pair.b.url);
    expect(rig.names()).not.toContain('EventServerDisconnected');
    expect(rig.names().filter((n) => n === 'EventPrimaryChanged')).toHaveLength(1);
    expect(conn.state.active).toBe(pair.b.url);
    expect(conn.state.standby).toBe(pair.a.url);
    const answer = await conn.queryAddress('1001');
    expect(answer.Server).toBe(pair.b.url);
  });

  it('a double switchover race ends on the real primary (ServerRole 1 wins over an older PrimaryChanged)', async () => {
    // The servers send no ADDP pings of their own: roundTrip() counts the pongs to its pings.
    rig = await startRig({}, { addp: { timeoutMs: 400, remoteTimeoutMs: 60_000 } });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    await until(() => (pair.b.requestCounts().RequestRegisterAddress ?? 0) >= 1, 'registration on b');
    await pair.switchover(); // a → b
    await pair.switchover(); // b → a, before the client has read the first
    await until(() => conn.state.active === pair.a.url && !conn.state.resyncing, 'back on a', 3_000);
    // Every message either server sent during the race has been read by now.
    await roundTrip(pair.a);
    await roundTrip(pair.b);
    expect(pair.primary).toBe(pair.a);
    expect(conn.state.active).toBe(pair.a.url);
    const answer = await conn.queryAddress('1001');
    expect(answer.Server).toBe(pair.a.url);
    // The last EventPrimaryChanged users saw came from the real primary.
    const changes = rig.events.filter((e) => e.Event === 'EventPrimaryChanged');
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(changes[changes.length - 1].Server).toBe(pair.a.url);
  });
});

describe('link events around EventPrimaryChanged (seed "Special Events")', () => {
  it('old link up, new link down: EventLinkDisconnected just before EventPrimaryChanged; resync waits for the link', async () => {
    // The servers send no ADDP pings of their own: roundTrip() counts the pongs to its pings.
    rig = await startRig({ linkUp: [true, false] }, { addp: { timeoutMs: 400, remoteTimeoutMs: 60_000 } });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    let resyncs = 0;
    conn.on('resynced', () => resyncs++);
    const changed = nextEvent(conn, 'EventPrimaryChanged');
    await pair.killPrimary();
    await changed;
    const names = rig.names().filter((n) => n !== 'EventServerDisconnected');
    const i = names.indexOf('EventPrimaryChanged');
    expect(names[i - 1]).toBe('EventLinkDisconnected');
    expect(conn.state.linkUp).toBe(false);
    const queries = () => (pair.b.requestCounts().RequestQueryAddress ?? 0) + (pair.b.requestCounts().RequestQueryLocation ?? 0);
    const queriesBefore = queries();
    // The client has read all b sent (requests are held while the link is down; ADDP is not).
    await roundTrip(pair.b);
    expect(conn.state.resyncing).toBe(false);
    expect(queries()).toBe(queriesBefore);
    expect(resyncs).toBe(0);
    const resynced = nextResync(conn);
    pair.b.setLink(true);
    await resynced;
    expect(conn.state.linkUp).toBe(true);
    const after = rig.names();
    expect(after[after.length - 1 - after.slice().reverse().indexOf('EventLinkConnected')]).toBe('EventLinkConnected');
  });

  it('old link down, new link up: EventLinkConnected just after EventPrimaryChanged, once', async () => {
    rig = await startRig({ linkUp: [false, true] });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    const resynced = nextResync(conn);
    await pair.killPrimary();
    await resynced;
    await conn.queryServer(); // answered by b after everything b sent before: a second EventLinkConnected would be in
    const names = rig.names().filter((n) => n !== 'EventServerDisconnected' && n !== 'EventLocationInfo');
    const i = names.indexOf('EventPrimaryChanged');
    expect(i).toBeGreaterThan(0);
    expect(names[i + 1]).toBe('EventLinkConnected');
    expect(names.filter((n) => n === 'EventLinkConnected')).toHaveLength(1);
    expect(conn.state.linkUp).toBe(true);
  });
});

describe('duplicates after promotion', () => {
  it('events the new primary repeats (same EventSequenceNumber) are delivered once', async () => {
    rig = await startRig({ repeatOnPromotion: 3 });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    await conn.agentLogin('1001', 'agent-1');
    await conn.agentReady('1001');
    const ringing = nextEvent(conn, 'EventRinging');
    pair.a.placeCall('1001');
    await ringing;
    const resynced = nextResync(conn);
    await pair.killPrimary();
    await resynced;
    await conn.queryServer(); // answered by b after every repeat it sent on its promotion
    const seqs = rig.events
      .map((e) => (e as { EventSequenceNumber?: number }).EventSequenceNumber)
      .filter((s): s is number => s !== undefined);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(rig.names().filter((n) => n === 'EventRinging')).toHaveLength(1);
    expect(rig.names().filter((n) => n === 'EventAgentReady')).toHaveLength(1);
  });
});

describe('restoring redundancy', () => {
  it('a restarted old primary becomes the standby again and gets the registrations', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    await conn.registerAddress('1002');
    const resynced = nextResync(conn);
    await pair.killPrimary();
    await resynced;
    expect(conn.state.standby).toBeUndefined();
    await pair.restart(pair.a);
    expect(pair.a.role).toBe('backup');
    await until(() => conn.state.standby === pair.a.url, 'a as standby', 4_000);
    await until(() => (pair.a.requestCounts().RequestRegisterAddress ?? 0) >= 2, 'registrations on the restarted server');
    expect(conn.state.active).toBe(pair.b.url);
    // And it can fail back.
    const back = nextResync(conn);
    await pair.killPrimary();
    expect((await back).server).toBe(pair.a.url);
  });

  it('100 failovers: no growth in listeners, timers or sockets', { timeout: 60_000 }, async () => {
    rig = await startRig({}, { addp: false });
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    const before = resources();
    const listenersBefore = conn.eventNames().reduce((n, e) => n + conn.listenerCount(e as never), 0);
    for (let i = 0; i < 100; i++) {
      const resynced = nextResync(conn, 4_000);
      await pair.killPrimary();
      await resynced;
      const dead = pair.a.isRunning ? pair.b : pair.a;
      await pair.restart(dead);
      await until(() => conn.state.standby === dead.url, `standby back (cycle ${i})`, 4_000);
    }
    // The last cycle's replay on the new standby may still be in flight, and its old sockets close
    // asynchronously: wait (bounded) until both are done; a leak never gets there.
    const quiet = () => {
      const r = resources();
      return r.tcp <= before.tcp && r.timers <= before.timers + 1 && conn.state.inFlight === 0 && conn.state.queued === 0;
    };
    await until(quiet, `sockets and timers back to ${JSON.stringify(before)}, no request left`).catch((e: Error) => {
      throw new Error(`${e.message}; now ${JSON.stringify(resources())}, state ${JSON.stringify(conn.state)}`);
    });
    const after = resources();
    const listenersAfter = conn.eventNames().reduce((n, e) => n + conn.listenerCount(e as never), 0);
    expect(listenersAfter).toBe(listenersBefore);
    expect(after.tcp).toBeLessThanOrEqual(before.tcp);
    expect(after.timers).toBeLessThanOrEqual(before.timers + 1);
    expect(conn.state.inFlight).toBe(0);
    expect(conn.state.queued).toBe(0);
    expect(rig.names().filter((n) => n === 'EventPrimaryChanged')).toHaveLength(100);
  });
});

describe('reconnect without a standby', () => {
  it('resyncs after the reconnect (resyncOnReconnect, default true): calls that ended while away leave the ledger', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    await conn.registerAddress('1001');
    const ringing = nextEvent(conn, 'EventRinging');
    const connId = pair.a.placeCall('1001');
    await ringing;
    expect([...conn.calls.keys()]).toEqual([connId]);
    // Both servers die; the call ends while the client is away; the primary comes back alone.
    await pair.kill(pair.b);
    await pair.kill(pair.a);
    pair.shared.calls.delete(connId);
    const resynced = nextResync(conn, 5_000);
    await pair.restart(pair.a);
    const summary = await resynced;
    expect(summary.server).toBe(pair.a.url);
    expect(summary.dns).toBe(1);
    expect(summary.calls).toBe(1);
    expect(summary.errors.map((e) => e.target)).toEqual([connId]);
    expect([...conn.calls.keys()]).toEqual([]);
    expect(rig.names().filter((n) => n === 'EventPrimaryChanged')).toHaveLength(0);
  });
});

describe('transaction monitoring across a failover', () => {
  it('subscriptions are started again on the new primary; users keep their SubscriptionID', async () => {
    rig = await startRig();
    const { conn, pair } = rig;
    await until(() => conn.state.standby, 'a standby session');
    const ack = await conn.transactionMonitoring({ SubscriptionOperation: 1, TransactionType: 4 });
    const resynced = nextResync(conn);
    await pair.killPrimary();
    await resynced;
    await until(() => (pair.b.requestCounts().RequestTransactionMonitoring ?? 0) >= 1, 'subscription on b');
    // The new primary knows it under its own id; users see theirs.
    let delivered = false;
    for (let id = 1; id <= 10 && !delivered; id++) delivered = pair.b.emitTransactionStatus(id);
    expect(delivered).toBe(true);
    const status = await nextEvent(conn, 'EventTransactionStatus');
    expect((status as TEvent & { SubscriptionID: number }).SubscriptionID).toBe(ack.SubscriptionID);
    await expect(conn.transactionMonitoring({ SubscriptionOperation: 2, SubscriptionID: ack.SubscriptionID })).resolves.toMatchObject({
      Event: 'EventACK',
    });
  });
});
