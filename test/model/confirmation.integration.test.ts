/**
 * maxCalls evicts the calls the user cares least about first (issue: a flood pushed out the call
 * the user answered). Over loopback with the simulator pair: the call the user answered with its
 * own request outranks 10,000 calls the server says are established on another registered DN, and
 * an unsolicited EventAddressInfo listing 10,000 ringing calls confirms none of them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CALLS } from '../../src/model/index.js';
import { nextEvent, startRig, stopRig, until, type Rig } from '../ha/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await stopRig(rig);
  rig = undefined;
});

const FLOOD = 10_000;
const floodId = (base: number, n: number) => (base + n).toString(16).padStart(16, '0');

/** 1001 and 1002 registered, and a call on 1001 the user answered with answerCall(). */
async function answered(): Promise<{ rig: Rig; mine: string; warnings: string[] }> {
  // No ADDP: the floods are written from this process, and a long write would look like silence.
  rig = await startRig({}, { addp: false });
  const { conn, pair } = rig;
  await conn.registerAddress('1001');
  await conn.registerAddress('1002');
  const ringing = nextEvent(conn, 'EventRinging');
  const mine = pair.placeCall('1001', { from: '5550001' });
  await ringing;
  await conn.answerCall('1001', mine);
  const warnings: string[] = [];
  conn.on('protocolWarning', (w) => warnings.push(w.code));
  return { rig, mine, warnings };
}

describe('maxCalls: the user’s own calls are evicted last', () => {
  it(`the user's established call survives ${FLOOD.toLocaleString('en')} EventEstablished on another registered DN`, async () => {
    const { rig: r, mine, warnings } = await answered();
    const { conn, pair } = r;
    let delivered = 0;
    conn.on('EventEstablished', () => delivered++);
    for (let n = 1; n <= FLOOD; n++) {
      pair.primary.sendEvent('EventEstablished', { ThisDN: '1002', ConnID: floodId(0xe000_0000_0000, n), OtherDN: '5559999' });
      if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve)); // let the client read
    }
    await until(() => delivered === FLOOD, 'the flood delivered', 60_000);
    expect(conn.calls.size).toBe(DEFAULT_MAX_CALLS);
    expect(conn.calls.get(mine)?.parties).toEqual({ '1001': 'established' });
    // The oldest of the server's calls went instead.
    expect(conn.calls.has(floodId(0xe000_0000_0000, 1))).toBe(false);
    expect(conn.calls.has(floodId(0xe000_0000_0000, FLOOD))).toBe(true);
    expect(warnings).toEqual(['ERR_MODEL_CALLS_LIMIT']);
  }, 90_000);

  it(`one unsolicited EventAddressInfo listing ${FLOOD.toLocaleString('en')} ringing calls confirms none of them`, async () => {
    const { rig: r, mine } = await answered();
    const { conn, pair } = r;
    // The server's word that 1002 talks on one call: confirmed by the server, not by the user.
    const server = floodId(0xd000_0000_0000, 0);
    pair.primary.sendEvent('EventEstablished', { ThisDN: '1002', ConnID: server, OtherDN: '5559998' });
    await until(() => conn.calls.has(server), 'the server-confirmed call');
    // A full answer (every call of the DN): the server's call is in it too.
    const calls = [[server, 'established'], ...Array.from({ length: FLOOD }, (_, n) => [floodId(0xd000_0000_0000, n + 1), 'ringing'])];
    const info = nextEvent(conn, 'EventAddressInfo', 30_000);
    pair.primary.sendEvent('EventAddressInfo', { ThisDN: '1002', AgentStatus: 1, Extensions: [['Calls', calls]] });
    await info;
    expect(conn.calls.size).toBe(DEFAULT_MAX_CALLS);
    // The listed calls were only offered: the first two of them made room for the rest, and
    // both confirmed calls stayed.
    expect(conn.calls.get(mine)?.parties).toEqual({ '1001': 'established' });
    expect(conn.calls.get(server)?.parties).toEqual({ '1002': 'established' });
    expect(conn.calls.has(floodId(0xd000_0000_0000, 2))).toBe(false);
    expect(conn.calls.get(floodId(0xd000_0000_0000, FLOOD))?.parties).toEqual({ '1002': 'ringing' });
  }, 90_000);
});
