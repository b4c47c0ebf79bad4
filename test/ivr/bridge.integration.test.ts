/**
 * MonitorBridge driven by a real TServerConnection against the real simulator (HotStandbyPair) on
 * 127.0.0.1: the seed's tables end to end, including a killed primary.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TServerConnection } from '../../src/connection/index.js';
import { MONITOR_SOURCE_EVENTS, MonitorBridge, parseIvrMessage, type MonitorBridgeOutput, type MonitorInfo } from '../../src/ivr/index.js';
import { HotStandbyPair } from '../../src/simulator/index.js';
import { until } from '../ha/helpers.js';

const PORTS = { '01': '1001', '02': '1002' };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `fn()`'s value once it is neither undefined nor false (0 counts: an index), bounded. */
async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
  const found = await until(
    () => {
      const v = fn();
      return v === undefined || v === false ? undefined : { v };
    },
    what,
    timeoutMs,
  );
  return found.v;
}

async function start(options: { open?: boolean } = {}) {
  const pair = await HotStandbyPair.start({ host: '127.0.0.1' });
  cleanups.push(() => pair.stop());
  const conn = new TServerConnection({
    primary: pair.addresses.primary,
    backup: pair.addresses.backup,
    reconnect: { minTimeoutMs: 20, maxTimeoutMs: 200, randomize: false },
    requestTimeoutMs: 5000,
  });
  cleanups.push(() => conn.close());
  const before = Object.fromEntries(MONITOR_SOURCE_EVENTS.map((n) => [n, conn.listenerCount(n)]));
  const bridge = new MonitorBridge(conn, { serverName: 'TServer', ports: PORTS });
  cleanups.push(() => bridge.close());
  const out: MonitorBridgeOutput[] = [];
  bridge.on('message', (m) => {
    // every output parses back to the message it was built from
    expect(parseIvrMessage(m.xml)).toEqual(m.message);
    out.push(m);
  });
  if (options.open !== false) await conn.open();
  const messages = () => out.map((o) => o.message);
  /** Waits for a message matching `pred` at index ≥ `from`; returns its index. */
  const waitMessage = (what: string, pred: (m: MonitorInfo) => boolean, from = 0) =>
    waitFor(what, () => {
      const i = out.findIndex((o, k) => k >= from && pred(o.message));
      return i >= 0 ? i : undefined;
    });
  return { pair, conn, bridge, out, messages, waitMessage, before };
}

const isServer = (status: string) => (m: MonitorInfo) => m.Subtype === 'Server' && m.Status === status;
const isAgent = (port: string, status: string, reqId?: string) => (m: MonitorInfo) =>
  m.Subtype === 'Agent' && m.PortNum === port && m.Status === status && m.ReqId === reqId;

describe('MonitorBridge on a real TServerConnection and simulator (127.0.0.1)', () => {
  it('no connection → Unavailable; connected with the link up → OK', async () => {
    const { conn, out, waitMessage } = await start({ open: false });
    await waitFor('the initial status', () => out.length > 0);
    expect(out[0].xml).toBe("<GctiMsg><MonitorInfo><Server Name='TServer' Status='Unavailable'/></MonitorInfo></GctiMsg>");
    await conn.open();
    const i = await waitMessage('Server OK', isServer('OK'));
    expect(out[i].xml).toBe("<GctiMsg><MonitorInfo><Server Name='TServer' Status='OK'/></MonitorInfo></GctiMsg>");
    expect(out.filter((o) => o.message.Subtype === 'Server').map((o) => o.message.Status)).toEqual(['Unavailable', 'OK']);
  });

  it('agent events on a port DN → Agent messages without ReqId; queryAgent answers with the ReqId', async () => {
    const { conn, bridge, out, waitMessage } = await start();
    await conn.agentLogin('1001', 'agent-1');
    let i = await waitMessage('LoggedIn', isAgent('01', 'LoggedIn'));
    expect(out[i].xml).toBe("<GctiMsg><MonitorInfo><Agent PortNum='01' Status='LoggedIn'/></MonitorInfo></GctiMsg>");
    await conn.agentReady('1001');
    i = await waitMessage('Ready', isAgent('01', 'Ready'), i);
    expect(out[i].xml).toBe("<GctiMsg><MonitorInfo><Agent PortNum='01' Status='Ready'/></MonitorInfo></GctiMsg>");
    await conn.agentNotReady('1001');
    i = await waitMessage('NotReady', isAgent('01', 'NotReady'), i);

    const answer = await bridge.queryAgent('01', 77);
    expect(answer).toEqual({ Message: 'MonitorInfo', Subtype: 'Agent', PortNum: '01', Status: 'NotReady', ReqId: '77' });
    i = await waitMessage('the answer', isAgent('01', 'NotReady', '77'), i);
    expect(out[i].xml).toBe("<GctiMsg><MonitorInfo ReqId='77'><Agent PortNum='01' Status='NotReady'/></MonitorInfo></GctiMsg>");
    // answered once, with the ReqId, although the connection also delivered EventAddressInfo
    expect(out.filter((o) => o.message.Subtype === 'Agent' && o.message.Status === 'NotReady')).toHaveLength(2);

    await conn.agentLogout('1001');
    i = await waitMessage('LoggedOut', isAgent('01', 'LoggedOut'), i);
    expect(bridge.agentState('01')).toBe('LoggedOut');
    await expect(bridge.queryAgent('02', 'q-2')).resolves.toMatchObject({ PortNum: '02', Status: 'LoggedOut', ReqId: 'q-2' });
    // nothing for DNs that are not ports
    await conn.registerAddress('5555');
    await conn.agentLogin('5555', 'agent-5');
    await conn.agentLogin('1002', 'agent-2');
    await waitMessage('port 02 LoggedIn', isAgent('02', 'LoggedIn'), i);
    expect(out.some((o) => o.xml.includes('5555'))).toBe(false);
  });

  it('a queried Unknown (EventAddressInfo AgentStatus 0) → Unknown, kept as LoggedOut', async () => {
    const { pair, conn, bridge, waitMessage } = await start();
    await conn.agentLogin('1002', 'agent-2');
    await waitMessage('LoggedIn', isAgent('02', 'LoggedIn'));
    pair.primary.sendEvent('EventAddressInfo', { ThisDN: '1002', AgentStatus: 0 });
    await waitMessage('Unknown', isAgent('02', 'Unknown'));
    expect(bridge.agentState('02')).toBe('LoggedOut');
  });

  it('CTI link down → Unavailable, up again → OK', async () => {
    const { pair, waitMessage } = await start();
    let i = await waitMessage('OK', isServer('OK'));
    pair.setLink(pair.primary, false);
    i = await waitMessage('Unavailable', isServer('Unavailable'), i);
    pair.setLink(pair.primary, true);
    await waitMessage('OK again', isServer('OK'), i);
  });

  it('killed primary → Unavailable, then OK from the new primary; agent events keep flowing', async () => {
    const { pair, conn, out, waitMessage } = await start();
    await waitMessage('OK', isServer('OK'));
    await conn.agentLogin('1001', 'agent-1');
    await waitMessage('LoggedIn', isAgent('01', 'LoggedIn'));
    const oldPrimary = pair.primary;
    await waitFor('the standby session', () => conn.state.standby !== undefined);
    const mark = out.length;
    await pair.killPrimary();
    const ok = await waitMessage('OK from the new primary', isServer('OK'), mark);
    expect(pair.primary).not.toBe(oldPrimary);
    await waitFor('the new active session', () => conn.state.active === pair.primary.url);
    const servers = out.slice(mark, ok + 1).filter((o) => o.message.Subtype === 'Server');
    expect(servers.map((o) => o.xml)).toEqual([
      "<GctiMsg><MonitorInfo><Server Name='TServer' Status='Unavailable'/></MonitorInfo></GctiMsg>",
      "<GctiMsg><MonitorInfo><Server Name='TServer' Status='OK'/></MonitorInfo></GctiMsg>",
    ]);
    expect(servers.every((o) => o.message.ReqId === undefined)).toBe(true);
    // the new primary knows the agent (shared switch state) and sends its events to us
    await conn.agentReady('1001');
    await waitMessage('Ready from the new primary', isAgent('01', 'Ready'), ok);
  });

  it('closing the connection → Unavailable; close() gives back every listener it added', async () => {
    const { conn, bridge, before, out, waitMessage } = await start();
    const ok = await waitMessage('OK', isServer('OK'));
    await conn.close();
    await waitMessage('Unavailable', isServer('Unavailable'), ok);
    for (const n of MONITOR_SOURCE_EVENTS) expect(conn.listenerCount(n)).toBe(before[n] + 1);
    bridge.close();
    for (const n of MONITOR_SOURCE_EVENTS) expect(conn.listenerCount(n)).toBe(before[n]);
    const count = out.length;
    // emit is the connection's own (protected): reached here only to prove the bridge no longer listens.
    (conn as unknown as { emit(name: string, e: unknown): boolean }).emit('EventLinkConnected', {
      Event: 'EventLinkConnected',
      Server: 'x',
      time: { seconds: 0, microseconds: 0 },
    });
    expect(out).toHaveLength(count);
  });
});
