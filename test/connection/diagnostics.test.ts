/**
 * node:diagnostics_channel publication, each channel over a real simulator: request start/end/error
 * (the router), session open/lost, failover and resync (the connection). Payloads carry the
 * connection that published, so two connections in one process are told apart.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { DIAGNOSTICS_CHANNELS, TServerError, type DiagnosticsMessages, type TServerConnection } from '../../src/index.js';
import { nextResync, startRig, stopRig, until, type Rig } from '../ha/helpers.js';
import { singleRig, type SingleRig } from '../reliability/helpers.js';

type Name = keyof DiagnosticsMessages;
type Seen = { [N in Name]: DiagnosticsMessages[N][] };

/** Subscribes to every channel; `seen[name]` is what `conn` published there (filtered when read). */
function watch(conn: () => TServerConnection | undefined): { seen: Seen; stop(): void } {
  const all = new Map<Name, Array<{ connection: unknown }>>();
  const seen = new Proxy({} as Seen, { get: (_t, name: Name) => (all.get(name) ?? []).filter((m) => m.connection === conn()) });
  const subs = Object.values(DIAGNOSTICS_CHANNELS).map((name) => {
    all.set(name, []);
    const fn = (msg: unknown) => all.get(name)!.push(msg as { connection: unknown });
    diagnosticsChannel.subscribe(name, fn);
    return () => diagnosticsChannel.unsubscribe(name, fn);
  });
  return { seen, stop: () => subs.forEach((u) => u()) };
}

let single: SingleRig | undefined;
let pairRig: Rig | undefined;
let stopWatching: (() => void) | undefined;
afterEach(async () => {
  stopWatching?.();
  await single?.stop();
  await stopRig(pairRig);
  single = pairRig = stopWatching = undefined;
});

describe('diagnostics channels', () => {
  it('names are stable and exported', () => {
    expect(DIAGNOSTICS_CHANNELS).toEqual({
      requestStart: 'tlib:request:start',
      requestEnd: 'tlib:request:end',
      requestError: 'tlib:request:error',
      sessionOpen: 'tlib:session:open',
      sessionLost: 'tlib:session:lost',
      failover: 'tlib:failover',
      resync: 'tlib:resync',
    });
  });

  it('request start and end (with its answer and duration), request error (EventError), session open as active', async () => {
    const w = watch(() => single?.conn);
    stopWatching = w.stop;
    single = await singleRig();
    const { conn } = single;
    expect(w.seen['tlib:session:open']).toHaveLength(1);
    expect(w.seen['tlib:session:open'][0]).toMatchObject({ server: single.proxy.url, role: 'active' });
    const answer = await conn.queryServer();
    const start = w.seen['tlib:request:start'].find((m) => m.request === 'RequestQueryServer')!;
    expect(start).toMatchObject({ referenceId: answer.ReferenceID, server: single.proxy.url, internal: false });
    const end = w.seen['tlib:request:end'].find((m) => m.request === 'RequestQueryServer')!;
    expect(end).toMatchObject({ referenceId: answer.ReferenceID, server: single.proxy.url, event: 'EventServerInfo', internal: false });
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
    await expect(conn.queryCall('00000000000000ff')).rejects.toBeInstanceOf(TServerError);
    const error = w.seen['tlib:request:error'].find((m) => m.request === 'RequestQueryCall')!;
    expect(error.error).toBeInstanceOf(TServerError);
    expect(error.internal).toBe(false);
  });

  it('session lost and a failover from nothing (reconnect); internal replays are marked internal', async () => {
    const w = watch(() => single?.conn);
    stopWatching = w.stop;
    single = await singleRig();
    const { conn, proxy } = single;
    await conn.registerAddress('1001');
    proxy.cut();
    await until(() => w.seen['tlib:failover'].length > 0 && conn.state.status === 'open', 'reconnected');
    expect(w.seen['tlib:session:lost']).toHaveLength(1);
    expect(w.seen['tlib:session:lost'][0]).toMatchObject({ server: proxy.url });
    expect(w.seen['tlib:session:lost'][0].reason).toBeInstanceOf(Error);
    expect(w.seen['tlib:failover']).toHaveLength(1);
    expect(w.seen['tlib:failover'][0]).toMatchObject({ from: undefined, to: proxy.url, cause: 'reconnect' });
    await until(
      () => w.seen['tlib:request:end'].some((m) => m.request === 'RequestRegisterAddress' && m.internal),
      'the replayed registration',
    );
  });

  it('on a hot-standby pair: standby session open, then on a kill: session lost, failover to the backup, resync summary', async () => {
    const w = watch(() => pairRig?.conn);
    stopWatching = w.stop;
    pairRig = await startRig();
    const { conn, pair } = pairRig;
    await conn.registerAddress('1001');
    await until(() => w.seen['tlib:session:open'].some((m) => m.role === 'standby'), 'the standby session');
    const [primary, backup] = [conn.state.active!, conn.state.standby!];
    const resynced = nextResync(conn);
    await pair.killPrimary();
    const summary = await resynced;
    expect(w.seen['tlib:session:lost'].map((m) => m.server)).toContain(primary);
    const { connection, ...failover } = w.seen['tlib:failover'][0];
    expect(connection).toBe(conn);
    expect(failover).toMatchObject({ from: primary, to: backup });
    // The FIN usually comes first (cause 'lost'); the backup's EventPrimaryChanged may win the race.
    expect(['lost', 'primaryChanged']).toContain(failover.cause);
    await until(() => w.seen['tlib:resync'].length > 0, 'the resync published');
    expect(w.seen['tlib:resync'][0].connection).toBe(conn);
    expect(w.seen['tlib:resync'][0].summary).toBe(summary);
  });
});
