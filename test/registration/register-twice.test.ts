/**
 * A DN is registered once per connection: a second registerAddress of a DN registered (or being
 * registered) there is refused with InvalidStateError and sends nothing, so one unregisterAddress
 * never undoes a registration someone else still counts on. Over real loopback sockets with the
 * simulator.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidStateError, TServerConnection } from '../../src/index.js';
import { TServerSimulator } from '../../src/simulator/index.js';

let server: TServerSimulator;
let conn: TServerConnection;

beforeEach(async () => {
  server = new TServerSimulator({ host: '127.0.0.1' });
  await server.start();
  conn = new TServerConnection({ primary: server.url, addp: false });
  await conn.open();
});

afterEach(async () => {
  await conn.close();
  await server.stop();
});

const registrations = () => server.requestCounts().RequestRegisterAddress ?? 0;

describe('registering a DN twice', () => {
  it('is refused with InvalidStateError, nothing sent; the first registration stands', async () => {
    await conn.registerAddress('1001');
    const err = await conn.registerAddress('1001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toBe(
      'RequestRegisterAddress refused: DN 1001 is already registered on this connection; unregisterAddress() it first',
    );
    expect(registrations()).toBe(1);
    expect(conn.registeredDNs).toEqual(['1001']);
    // Still registered: the DN's events keep coming.
    const ringing = new Promise<string>((resolve) => conn.on('EventRinging', (e) => resolve(e.ThisDN)));
    server.placeCall('1001');
    expect(await ringing).toBe('1001');
  });

  it('is refused while the first registration is still on its way', async () => {
    const [first, second] = await Promise.allSettled([conn.registerAddress('1002'), conn.registerAddress('1002')]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(InvalidStateError);
    expect(registrations()).toBe(1);
  });

  it('works again after unregisterAddress; a refused or failed registration leaves nothing behind', async () => {
    await conn.registerAddress('1003');
    await conn.unregisterAddress('1003');
    expect(conn.registeredDNs).toEqual([]);
    await conn.registerAddress('1003');
    expect(conn.registeredDNs).toEqual(['1003']);
    // A registration the server refuses (not a DN it knows) does not block the next attempt.
    await expect(conn.registerAddress('no-such-dn')).rejects.toThrow(/ErrorCode 40/);
    await expect(conn.registerAddress('no-such-dn')).rejects.toThrow(/ErrorCode 40/);
    expect(registrations()).toBe(4);
  });

  it('a routing point on a DN already registered is refused the same way', async () => {
    await conn.registerAddress('5000');
    await expect(conn.route('5000', () => null)).rejects.toBeInstanceOf(InvalidStateError);
  });
});
