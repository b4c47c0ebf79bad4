/**
 * MonitorBridge against a structural fake connection: the seed's mapping tables, ReqId rules,
 * state, output channels and cleanup. The real-connection tests are in bridge.integration.test.ts.
 */
import { EventEmitter } from 'eventemitter3';
import { describe, expect, it, vi } from 'vitest';
import { HandlerError, InvalidArgumentError } from '../../src/errors.js';
import {
  IvrMessageError,
  MONITOR_SOURCE_EVENTS,
  MonitorBridge,
  parseIvrMessage,
  type MonitorBridgeOutput,
  type MonitorSourceEvent,
} from '../../src/ivr/index.js';

const time = { seconds: 1, microseconds: 0 };

class FakeConnection extends EventEmitter {
  state: { status: string; linkUp: boolean | undefined } = { status: 'closed', linkUp: undefined };
  registered: string[] = [];
  queries: string[] = [];
  /** What queryAddress answers with; it also delivers the answer as an event first, like TServerConnection. */
  answer: (dn: string) => Promise<MonitorSourceEvent> = async (dn) => ({ Event: 'EventAddressInfo', ThisDN: dn, AgentStatus: 1 });
  registerAddress = vi.fn(async (dn: string) => {
    this.registered.push(dn);
  });
  async queryAddress(dn: string): Promise<MonitorSourceEvent> {
    this.queries.push(dn);
    const e = await this.answer(dn);
    this.emit('EventAddressInfo', e);
    return e;
  }
  deliver(event: MonitorSourceEvent): void {
    this.emit(event.Event as string, { Server: '127.0.0.1:7000', time, ...event });
  }
  counts(): Record<string, number> {
    return Object.fromEntries(MONITOR_SOURCE_EVENTS.map((n) => [n, this.listenerCount(n)]));
  }
}

const PORTS = { '01': '1001', '02': '1002' };

/**
 * Lets every promise callback already queued run (the fake connection's rejections, the bridge's
 * reactions to them, an iterator's pulls): one turn of the event loop, no time passing.
 */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setup(state?: FakeConnection['state'], extra: Partial<ConstructorParameters<typeof MonitorBridge>[1]> = {}) {
  const conn = new FakeConnection();
  if (state) conn.state = state;
  const bridge = new MonitorBridge(conn, { serverName: 'TS', ports: PORTS, ...extra });
  const out: MonitorBridgeOutput[] = [];
  bridge.on('message', (m) => out.push(m));
  await Promise.resolve(); // the initial Server status
  return { conn, bridge, out, xml: () => out.map((o) => o.xml) };
}

const server = (status: string) => `<GctiMsg><MonitorInfo><Server Name='TS' Status='${status}'/></MonitorInfo></GctiMsg>`;
const agent = (port: string, status: string, reqId?: string) =>
  `<GctiMsg><MonitorInfo${reqId === undefined ? '' : ` ReqId='${reqId}'`}><Agent PortNum='${port}' Status='${status}'/></MonitorInfo></GctiMsg>`;

describe('Server Status Events (seed table)', () => {
  it('no connection at start → Unavailable; EventLinkConnected → OK', async () => {
    const { conn, xml } = await setup();
    expect(xml()).toEqual([server('Unavailable')]);
    conn.deliver({ Event: 'EventServerConnected' });
    expect(xml()).toEqual([server('Unavailable')]); // a socket alone is not the link
    conn.deliver({ Event: 'EventLinkConnected' });
    expect(xml()).toEqual([server('Unavailable'), server('OK')]);
  });
  it('an open connection with its link up at start → OK', async () => {
    const { xml, bridge } = await setup({ status: 'open', linkUp: true });
    expect(xml()).toEqual([server('OK')]);
    expect(bridge.serverStatus).toBe('OK');
  });
  it('an open connection with its link down at start → Unavailable', async () => {
    const { xml } = await setup({ status: 'open', linkUp: false });
    expect(xml()).toEqual([server('Unavailable')]);
  });
  it.each([
    ['EventLinkDisconnected', (c: FakeConnection) => c.deliver({ Event: 'EventLinkDisconnected' })],
    ['socket closed (EventServerDisconnected)', (c: FakeConnection) => c.deliver({ Event: 'EventServerDisconnected' })],
    ['no connection (connection closed)', (c: FakeConnection) => c.emit('close')],
  ])('%s → Unavailable', async (_t, act) => {
    const { conn, xml, out } = await setup({ status: 'open', linkUp: true });
    act(conn);
    expect(xml()).toEqual([server('OK'), server('Unavailable')]);
    expect(out[1].message).toEqual({ Message: 'MonitorInfo', Subtype: 'Server', Name: 'TS', Status: 'Unavailable' });
    expect(out.every((o) => !('ReqId' in o.message))).toBe(true);
  });
  it('reports changes only: link down then socket closed is one Unavailable', async () => {
    const { conn, xml } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventLinkDisconnected' });
    conn.deliver({ Event: 'EventServerDisconnected' });
    conn.deliver({ Event: 'EventLinkConnected' });
    conn.deliver({ Event: 'EventLinkConnected' });
    expect(xml()).toEqual([server('OK'), server('Unavailable'), server('OK')]);
  });
  it('hot-standby failover: socket closed → Unavailable, EventPrimaryChanged (link up, no link event) → OK', async () => {
    const { conn, xml } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventServerDisconnected' });
    conn.deliver({ Event: 'EventPrimaryChanged' });
    expect(xml()).toEqual([server('OK'), server('Unavailable'), server('OK')]);
  });
  it('failover to a primary whose link is down: EventLinkDisconnected before EventPrimaryChanged, OK only on EventLinkConnected', async () => {
    const { conn, xml } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventLinkDisconnected' });
    conn.deliver({ Event: 'EventPrimaryChanged' });
    expect(xml()).toEqual([server('OK'), server('Unavailable')]);
    conn.deliver({ Event: 'EventLinkConnected' });
    expect(xml()).toEqual([server('OK'), server('Unavailable'), server('OK')]);
  });
  it('Switch is written when configured', async () => {
    const { xml } = await setup({ status: 'open', linkUp: true }, { switchName: 'SW-1' });
    expect(xml()).toEqual(["<GctiMsg><MonitorInfo><Server Name='TS' Status='OK' Switch='SW-1'/></MonitorInfo></GctiMsg>"]);
  });
});

describe('Agent Status Events (seed table)', () => {
  it.each([
    ['EventAgentLogin', 'LoggedIn'],
    ['EventAgentLogout', 'LoggedOut'],
    ['EventAgentReady', 'Ready'],
    ['EventAgentNotReady', 'NotReady'],
  ])("%s on port 01's DN → <Agent PortNum='01' Status='%s'/>, no ReqId", async (event, status) => {
    const { conn, out, bridge } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: event, ThisDN: '1001', AgentID: 'a1', ReferenceID: 7 });
    expect(out.slice(1).map((o) => o.xml)).toEqual([agent('01', status)]);
    expect(out[1].message).toEqual({ Message: 'MonitorInfo', Subtype: 'Agent', PortNum: '01', Status: status });
    expect(parseIvrMessage(out[1].xml)).toEqual(out[1].message);
    expect(bridge.agentState('01')).toBe(status);
    expect(bridge.agentState('02')).toBeUndefined();
  });
  it('events on DNs that are no port are ignored', async () => {
    const { conn, out } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '9999', AgentID: 'x' });
    conn.deliver({ Event: 'EventAgentReady' });
    expect(out).toHaveLength(1);
  });
  it('a login, then ready and not-ready, then logout, on two ports', async () => {
    const { conn, xml } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '1001', AgentID: 'a1' });
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '1002', AgentID: 'a2' });
    conn.deliver({ Event: 'EventAgentReady', ThisDN: '1002' });
    conn.deliver({ Event: 'EventAgentNotReady', ThisDN: '1001' });
    conn.deliver({ Event: 'EventAgentLogout', ThisDN: '1001' });
    expect(xml().slice(1)).toEqual([
      agent('01', 'LoggedIn'),
      agent('02', 'LoggedIn'),
      agent('02', 'Ready'),
      agent('01', 'NotReady'),
      agent('01', 'LoggedOut'),
    ]);
  });
  it.each([
    [0, 'Unknown', 'LoggedOut'],
    [1, 'LoggedOut', 'LoggedOut'],
    [2, 'LoggedIn', 'LoggedIn'],
    [3, 'Ready', 'Ready'],
    [4, 'NotReady', 'NotReady'],
    [99, 'Unknown', 'LoggedOut'],
  ])('EventAddressInfo AgentStatus %i → Status %s (bridge state %s), no ReqId', async (code, status, state) => {
    const { conn, xml, bridge } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventAddressInfo', ThisDN: '1002', AgentStatus: code, ReferenceID: 12 });
    expect(xml().slice(1)).toEqual([agent('02', status)]);
    expect(bridge.agentState('02')).toBe(state);
  });
  it('EventAddressInfo without AgentStatus says nothing about the agent', async () => {
    const { conn, out } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventAddressInfo', ThisDN: '1001' });
    expect(out).toHaveLength(1);
  });
});

describe('queryAgent: answers carry the request ReqId', () => {
  it("sends RequestQueryAddress for the port's DN and answers with the ReqId, once", async () => {
    const { conn, out, bridge } = await setup({ status: 'open', linkUp: true });
    conn.answer = async (dn) => ({ Event: 'EventAddressInfo', ThisDN: dn, AgentStatus: 3, ReferenceID: 5 });
    const answer = await bridge.queryAgent('02', 77);
    expect(conn.queries).toEqual(['1002']);
    expect(answer).toEqual({ Message: 'MonitorInfo', Subtype: 'Agent', PortNum: '02', Status: 'Ready', ReqId: '77' });
    // the connection also delivered the EventAddressInfo as an event: still one message
    expect(out.slice(1).map((o) => o.xml)).toEqual([agent('02', 'Ready', '77')]);
    expect(out[1].message).toEqual(answer);
  });
  it('a queried Unknown is reported as Unknown with the ReqId and treated as LoggedOut', async () => {
    const { conn, xml, bridge } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventAgentReady', ThisDN: '1001' });
    conn.answer = async (dn) => ({ Event: 'EventAddressInfo', ThisDN: dn, AgentStatus: 0 });
    await bridge.queryAgent('01', 'r-1');
    expect(xml().slice(1)).toEqual([agent('01', 'Ready'), agent('01', 'Unknown', 'r-1')]);
    expect(bridge.agentState('01')).toBe('LoggedOut');
  });
  it('without a reqId the answer has none', async () => {
    const { bridge, xml } = await setup({ status: 'open', linkUp: true });
    await bridge.queryAgent('01');
    expect(xml()[1]).toBe(agent('01', 'LoggedOut'));
  });
  it('ReqIds are escaped like any value', async () => {
    const { bridge, out } = await setup({ status: 'open', linkUp: true });
    await bridge.queryAgent('01', `7' x='y`);
    expect(out[1].xml).toBe(agent('01', 'LoggedOut', '7&apos; x=&apos;y'));
    expect(parseIvrMessage(out[1].xml)).toMatchObject({ ReqId: `7' x='y` });
  });
  it('an unsolicited EventAddressInfo while no query runs is still reported, without ReqId', async () => {
    const { conn, bridge, xml } = await setup({ status: 'open', linkUp: true });
    await bridge.queryAgent('01', 1);
    conn.deliver({ Event: 'EventAddressInfo', ThisDN: '1001', AgentStatus: 2 });
    expect(xml().slice(1)).toEqual([agent('01', 'LoggedOut', '1'), agent('01', 'LoggedIn')]);
  });
  it('concurrent queries each get their own ReqId', async () => {
    const { bridge, xml } = await setup({ status: 'open', linkUp: true });
    await Promise.all([bridge.queryAgent('01', 1), bridge.queryAgent('02', 2), bridge.queryAgent('01', 3)]);
    expect(xml().slice(1).sort()).toEqual(
      [agent('01', 'LoggedOut', '1'), agent('01', 'LoggedOut', '3'), agent('02', 'LoggedOut', '2')].sort(),
    );
  });
  it('an unknown port is an IvrMessageError naming PortNum and the configured ports; nothing is sent', async () => {
    const { bridge, conn, out } = await setup({ status: 'open', linkUp: true });
    const err = await bridge.queryAgent('09', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IvrMessageError);
    expect(err).toMatchObject({ code: 'ERR_IVR_MESSAGE', ivrMessage: 'MonitorInfo/Agent', parameter: 'PortNum', allowed: ['01', '02'] });
    expect(conn.queries).toEqual([]);
    expect(out).toHaveLength(1);
  });
  it("the connection's refusal is passed on and nothing is emitted", async () => {
    const { bridge, conn, out } = await setup({ status: 'open', linkUp: true });
    const boom = new Error('EventError');
    conn.answer = async () => {
      throw boom;
    };
    await expect(bridge.queryAgent('01', 1)).rejects.toBe(boom);
    expect(out).toHaveLength(1);
    // and the pending-query bookkeeping is cleared: unsolicited info is reported again
    conn.deliver({ Event: 'EventAddressInfo', ThisDN: '1001', AgentStatus: 3 });
    expect(out).toHaveLength(2);
  });
});

describe('ports configuration', () => {
  it("registers every port's DN on an open connection at once", async () => {
    const { conn } = await setup({ status: 'open', linkUp: true });
    expect(conn.registered).toEqual(['1001', '1002']);
  });
  it('on a closed connection, registers at the next EventServerConnected (once)', async () => {
    const { conn } = await setup();
    expect(conn.registered).toEqual([]);
    conn.deliver({ Event: 'EventServerConnected' });
    conn.deliver({ Event: 'EventServerConnected' });
    expect(conn.registered).toEqual(['1001', '1002']);
  });
  it('a registration refused because the connection closed is retried at the next EventServerConnected, silently', async () => {
    const conn = new FakeConnection();
    conn.state = { status: 'open', linkUp: true };
    conn.registerAddress.mockRejectedValueOnce(Object.assign(new Error('closed'), { code: 'ERR_CONNECTION_CLOSED' }));
    const bridge = new MonitorBridge(conn, { serverName: 'TS', ports: PORTS });
    const errors: Error[] = [];
    bridge.on('error', (e) => errors.push(e));
    await settled();
    expect(conn.registered).toEqual(['1002']);
    conn.deliver({ Event: 'EventServerConnected' });
    expect(conn.registered).toEqual(['1002', '1001']);
    expect(errors).toEqual([]);
  });
  it('registerPorts: false registers nothing', async () => {
    const { conn } = await setup(undefined, { registerPorts: false });
    expect(conn.registerAddress).not.toHaveBeenCalled();
  });
  it("a refused registration is reported on 'error'", async () => {
    const conn = new FakeConnection();
    conn.state = { status: 'open', linkUp: true };
    const refused = new Error('DN refused');
    conn.registerAddress.mockRejectedValueOnce(refused);
    const bridge = new MonitorBridge(conn, { serverName: 'TS', ports: PORTS });
    const errors: Error[] = [];
    bridge.on('error', (e) => errors.push(e));
    await settled();
    expect(errors).toEqual([refused]);
  });
  it('setPorts: removed ports → Port Unavailable, new or moved ports → Port OK (and registered)', async () => {
    const { conn, bridge, xml } = await setup({ status: 'open', linkUp: true });
    conn.deliver({ Event: 'EventAgentReady', ThisDN: '1001' });
    bridge.setPorts({ '01': '1001', '02': '2002', '03': '1003' });
    bridge.setPorts({ '02': '2002', '03': '1003' });
    expect(xml().slice(2)).toEqual([
      "<GctiMsg><MonitorInfo><Port PortNum='02' Status='OK'/></MonitorInfo></GctiMsg>",
      "<GctiMsg><MonitorInfo><Port PortNum='03' Status='OK'/></MonitorInfo></GctiMsg>",
      "<GctiMsg><MonitorInfo><Port PortNum='01' Status='Unavailable'/></MonitorInfo></GctiMsg>",
    ]);
    expect(bridge.ports).toEqual({ '02': '2002', '03': '1003' });
    expect(bridge.agentState('01')).toBeUndefined();
    expect(conn.registered).toEqual(['1001', '1002', '2002', '1003']);
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '1001' });
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '2002' });
    expect(xml().at(-1)).toBe(agent('02', 'LoggedIn'));
    expect(xml()).toHaveLength(6);
  });
  it.each([
    ['empty serverName', { serverName: '', ports: PORTS }],
    ['no ports', { serverName: 'TS' }],
    ['two ports on one DN', { serverName: 'TS', ports: { '01': '1001', '02': '1001' } }],
    ['empty DN', { serverName: 'TS', ports: { '01': '' } }],
    ['non-string DN', { serverName: 'TS', ports: { '01': 1001 } }],
  ])('refuses bad options: %s', (_t, options) => {
    expect(() => new MonitorBridge(new FakeConnection(), options as never)).toThrow(InvalidArgumentError);
  });
  it('refuses a port number, server name or switch name XML cannot carry', () => {
    expect(() => new MonitorBridge(new FakeConnection(), { serverName: 'TS', ports: { '0\u0001': '1' } })).toThrow(IvrMessageError);
    expect(() => new MonitorBridge(new FakeConnection(), { serverName: 'T\u0000S', ports: PORTS })).toThrow(IvrMessageError);
    expect(() => new MonitorBridge(new FakeConnection(), { serverName: 'TS', switchName: '\uFFFF', ports: PORTS })).toThrow(
      IvrMessageError,
    );
  });
  it('refuses a ReqId XML cannot carry before sending anything', async () => {
    const { bridge, conn, out } = await setup({ status: 'open', linkUp: true });
    await expect(bridge.queryAgent('01', 'a\u0000')).rejects.toMatchObject({ code: 'ERR_IVR_MESSAGE', parameter: 'ReqId' });
    expect(conn.queries).toEqual([]);
    expect(out).toHaveLength(1);
  });
  it('refuses something that is not an emitter', () => {
    expect(() => new MonitorBridge({} as never, { serverName: 'TS', ports: PORTS })).toThrow(InvalidArgumentError);
  });
});

describe('outputs and cleanup', () => {
  it('the async iterator yields the same messages as the event, and ends on close()', async () => {
    const { conn, bridge, out } = await setup({ status: 'open', linkUp: true });
    const seen: MonitorBridgeOutput[] = [];
    const loop = (async () => {
      for await (const m of bridge) seen.push(m);
    })();
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '1001' });
    conn.deliver({ Event: 'EventLinkDisconnected' });
    await settled();
    bridge.close();
    await loop;
    expect(seen).toEqual(out.slice(1));
    expect(seen.map((s) => s.message.Subtype)).toEqual(['Agent', 'Server']);
  });
  it('messages({ signal }) ends when the signal aborts', async () => {
    const { conn, bridge } = await setup({ status: 'open', linkUp: true });
    const ac = new AbortController();
    const it = bridge.messages({ signal: ac.signal });
    conn.deliver({ Event: 'EventAgentReady', ThisDN: '1002' });
    expect((await it.next()).value?.xml).toBe(agent('02', 'Ready'));
    const pending = it.next();
    ac.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(bridge.listenerCount('message')).toBe(1); // only setup()'s listener is left
  });
  it('close() removes every listener it added: counts back to what they were', async () => {
    const conn = new FakeConnection();
    const mine = () => {};
    conn.on('EventAgentLogin', mine);
    conn.on('close', mine);
    const before = conn.counts();
    const bridge = new MonitorBridge(conn, { serverName: 'TS', ports: PORTS });
    const during = conn.counts();
    for (const n of MONITOR_SOURCE_EVENTS) expect(during[n]).toBe(before[n] + 1);
    bridge.messages();
    bridge.close();
    expect(conn.counts()).toEqual(before);
    expect(bridge.listenerCount('message')).toBe(0);
    bridge.close(); // idempotent
    expect(conn.counts()).toEqual(before);
    expect(bridge.isClosed).toBe(true);
  });
  it('after close(): no messages, queryAgent and setPorts refuse, iterators end at once', async () => {
    const { conn, bridge, out } = await setup({ status: 'open', linkUp: true });
    bridge.close();
    conn.deliver({ Event: 'EventLinkDisconnected' });
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '1001' });
    expect(out).toHaveLength(1);
    await expect(bridge.queryAgent('01', 1)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => bridge.setPorts({})).toThrow(InvalidArgumentError);
    expect(await bridge.messages().next()).toEqual({ value: undefined, done: true });
  });
  it('closed before the initial status: nothing at all', async () => {
    const conn = new FakeConnection();
    const bridge = new MonitorBridge(conn, { serverName: 'TS', ports: PORTS });
    const out: unknown[] = [];
    bridge.on('message', (m) => out.push(m));
    bridge.close();
    await Promise.resolve();
    expect(out).toEqual([]);
  });
  it("a 'message' listener that throws is reported as HandlerError; the bridge goes on", async () => {
    const { conn, bridge, out } = await setup({ status: 'open', linkUp: true });
    const errors: Error[] = [];
    bridge.on('error', (e) => errors.push(e));
    bridge.on('message', () => {
      throw new Error('listener bug');
    });
    conn.deliver({ Event: 'EventAgentLogin', ThisDN: '1001' });
    conn.deliver({ Event: 'EventAgentReady', ThisDN: '1001' });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(HandlerError);
    expect(errors[0]).toMatchObject({ code: 'ERR_HANDLER', eventName: 'message' });
    expect(out.map((o) => o.message.Subtype)).toEqual(['Server', 'Agent', 'Agent']);
    expect(bridge.agentState('01')).toBe('Ready');
  });
});
