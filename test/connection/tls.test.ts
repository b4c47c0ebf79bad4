/**
 * The `tls` option over real loopback sockets: a simulator listening with tls.createServer and a
 * throw-away self-signed certificate (openssl, made per run in a temp directory).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../src/errors.js';
import { ConnRecorder, Harness, fastOptions, outcomeOf, quietBaseline, resourceCounts, waitUntil } from '../support/connection-helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

let dir: string;
let cert: Buffer;
let key: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlib-conn-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore', timeout: 10_000 },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tls', () => {
  it('opens, requests, reconnects and closes over TLS when the certificate is trusted', async () => {
    const sim = await h.sim({ tls: { cert, key } });
    const before = await quietBaseline();
    const conn = h.conn(fastOptions(sim.url, { tls: { ca: cert } }));
    const rec = new ConnRecorder(conn);
    await conn.open();
    expect(rec.names()).toEqual(['EventServerConnected', 'EventLinkConnected']);
    await conn.registerAddress('1001');
    await expect(conn.queryAddress('1001')).resolves.toMatchObject({ Event: 'EventAddressInfo' });
    const since = rec.mark();
    sim.dropClients();
    await rec.waitFor('EventServerConnected', { since });
    await expect(conn.queryServer()).resolves.toMatchObject({ Event: 'EventServerInfo' });
    await conn.close();
    await waitUntil(() => sim.clientCount === 0, 'the simulator to see the socket closed');
    await waitUntil(() => resourceCounts().tcp <= before.tcp, 'TCP handles released', 1000);
    expect(resourceCounts().tcp).toBeLessThanOrEqual(before.tcp);
  });

  it('tls: true refuses a self-signed certificate with ConnectError naming the TLS problem', async () => {
    const sim = await h.sim({ tls: { cert, key } });
    const conn = h.conn(fastOptions(sim.url, { tls: true }));
    const out = await outcomeOf(conn.open());
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toBeInstanceOf(ConnectError);
    expect(out.error.code).toBe('ERR_CONNECT');
    expect(out.error.message).toMatch(/TLS certificate refused|self[- ]signed/i);
    expect(conn.state.status).toBe('closed');
  });
});
