/**
 * A Password given to agentLogin goes on the wire but is never quoted in an error: the request
 * info that TServerError, RequestTimeoutError and RequestInterruptedError carry is redacted.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestTimeoutError, TServerConnection, TServerError } from '../../src/index.js';
import { TServerSimulator } from '../../src/simulator/index.js';

const SECRET = 's3cr3t-Pa55';
let sim: TServerSimulator | undefined;
let conn: TServerConnection | undefined;
afterEach(async () => {
  await conn?.close();
  await sim?.stop();
  conn = sim = undefined;
});

describe('Password redaction in errors', () => {
  it('a refused agentLogin (EventError) carries the request without the password', async () => {
    sim = new TServerSimulator();
    await sim.start();
    const received: unknown[] = [];
    sim.on('request', (r) => received.push(r));
    conn = new TServerConnection({ primary: sim.url, applicationName: 'redaction-test' });
    await conn.open();
    // 1001 is not registered by this client: the switch refuses the login.
    const err = await conn.agentLogin('1001', 'agent-1', { password: SECRET }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TServerError);
    const e = err as TServerError;
    expect(e.request.attributes.Password).toBe('***');
    expect(e.request.attributes.AgentID).toBe('agent-1');
    expect(inspect(e, { depth: 10 })).not.toContain(SECRET);
    expect(e.message).not.toContain(SECRET);
  });

  it('a timed-out agentLogin carries the request without the password', async () => {
    sim = new TServerSimulator();
    await sim.start();
    conn = new TServerConnection({ primary: sim.url, applicationName: 'redaction-test' });
    await conn.open();
    await conn.registerAddress('1001');
    sim.freeze(true);
    const err = await conn.agentLogin('1001', 'agent-1', { password: SECRET }, { timeoutMs: 200 }).catch((e: unknown) => e);
    sim.freeze(false);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(inspect(err, { depth: 10 })).not.toContain(SECRET);
  });
});
