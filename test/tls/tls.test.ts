/**
 * TLS: certificates made for the test with the openssl CLI (a CA, a server certificate for
 * IP:127.0.0.1, a client certificate, and impostors); the simulator listens with them.
 * - `tls: { ca }` connects and works, also through a failover of a TLS pair and a reconnect;
 * - by default (`tls: true`, the system's CAs) an unknown CA is refused with a clear ConnectError,
 *   as are another CA, a wrong host name and a self-signed certificate;
 * - mutual TLS works, and a missing or foreign client certificate is refused;
 * - a handshake that never completes ends at connectTimeoutMs; TLS against a plain server fails;
 * - a `servername` set in the `tls` option applies to the configured servers only: a backup learned
 *   from the primary must present a certificate valid for its own address, or for a servername
 *   the user gives with a configured backup.
 * Skipped, with a message, only if the openssl CLI is absent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, TServerConnection, type TServerConnectionOptions } from '../../src/index.js';
import { HotStandbyPair, TServerSimulator } from '../../src/simulator/index.js';
import { wireCodecV1 } from '../../src/codec/index.js';
import { type Endpoint, Transport } from '../../src/transport/index.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { nextEvent, nextResync, until } from '../ha/helpers.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const OPENSSL = hasOpenssl();
if (!OPENSSL) console.warn('test/tls: the openssl CLI is not installed; the TLS tests are skipped');

interface Pki {
  ca: Buffer;
  otherCa: Buffer;
  server: { key: Buffer; cert: Buffer };
  /** Valid for the name `localhost` only (not for 127.0.0.1). */
  localhostOnly: { key: Buffer; cert: Buffer };
  localhostAndIp: { key: Buffer; cert: Buffer };
  wrongName: { key: Buffer; cert: Buffer };
  selfSigned: { key: Buffer; cert: Buffer };
  client: { key: Buffer; cert: Buffer };
  foreignClient: { key: Buffer; cert: Buffer };
}

/** A CA, certificates signed by it, and impostors, in a temp dir (removed afterwards). */
function makePki(dir: string): Pki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tlib test CA', ...caExt);
  ssl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=another CA', ...caExt);
  const leaf = (name: string, subject: string, ext: string, ca = 'ca') => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
    return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.crt`)) };
  };
  const serverExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n';
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n';
  const server = leaf('server', '/CN=127.0.0.1', serverExt);
  const localhostOnly = leaf('localhost-only', '/CN=localhost', serverExt.replace('IP:127.0.0.1', 'DNS:localhost'));
  const localhostAndIp = leaf('localhost-and-ip', '/CN=localhost', serverExt.replace('IP:127.0.0.1', 'DNS:localhost,IP:127.0.0.1'));
  const wrongName = leaf('wrong-name', '/CN=tserver.invalid', serverExt.replace('IP:127.0.0.1', 'DNS:tserver.invalid'));
  const client = leaf('client', '/CN=tlib-client', clientExt);
  const foreignClient = leaf('foreign-client', '/CN=intruder', clientExt, 'other-ca');
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'self.key',
    '-out',
    'self.crt',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  return {
    ca: readFileSync(join(dir, 'ca.crt')),
    otherCa: readFileSync(join(dir, 'other-ca.crt')),
    server,
    localhostOnly,
    localhostAndIp,
    wrongName,
    selfSigned: { key: readFileSync(join(dir, 'self.key')), cert: readFileSync(join(dir, 'self.crt')) },
    client,
    foreignClient,
  };
}

let dir: string | undefined;
let pki: Pki;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const QUICK: Partial<TServerConnectionOptions> = {
  applicationName: 'tls-test',
  requestTimeoutMs: 2_000,
  connectTimeoutMs: 2_000,
  addp: { timeoutMs: 1_000, remoteTimeoutMs: 1_000 },
  reconnect: { minTimeoutMs: 20, maxTimeoutMs: 100, randomize: false },
};

async function tlsSim(tls: TlsOptions): Promise<TServerSimulator> {
  const sim = new TServerSimulator({ name: 'tls-sim', tls });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

/** open(), a TLS standby session on b, DN 1001 registered; after the primary's kill, the resync runs on b. */
async function expectStandbyThenFailover(pair: HotStandbyPair, conn: TServerConnection): Promise<void> {
  await conn.open();
  await until(() => conn.state.standby, 'a TLS standby session');
  await conn.registerAddress('1001');
  const resynced = nextResync(conn);
  await pair.killPrimary();
  expect((await resynced).server).toBe(pair.b.url);
}

function connection(primary: string, options: Partial<TServerConnectionOptions>): TServerConnection {
  const conn = new TServerConnection({ primary, ...QUICK, ...options });
  cleanups.push(() => conn.close());
  return conn;
}

/** open() must fail with a ConnectError naming the TLS problem; returns it. */
async function refused(conn: TServerConnection, pattern: RegExp): Promise<ConnectError> {
  const started = performance.now();
  const err = await conn.open().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'open() should have been refused').toBeInstanceOf(ConnectError);
  const e = err as ConnectError;
  expect(e.code).toBe('ERR_CONNECT');
  expect(e.message).toMatch(pattern);
  expect(performance.now() - started).toBeLessThan(2_000);
  expect(conn.state.status).toBe('closed');
  return e;
}

describe.skipIf(!OPENSSL)('TLS', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlib-tls-'));
    pki = makePki(dir);
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('server authentication', () => {
    it('tls: { ca } connects to a TLS simulator; requests and events flow', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      const conn = connection(sim.url, { tls: { ca: pki.ca } });
      await conn.open();
      expect((await conn.queryServer()).Event).toBe('EventServerInfo');
      await conn.registerAddress('1001');
      const ringing = nextEvent(conn, 'EventRinging');
      sim.placeCall('1001');
      await ringing;
    });

    it('the same server is useless to a plain-TCP client (so the first test really spoke TLS)', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      const conn = connection(sim.url, { connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 });
      const err = await conn.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectError);
    });

    it('by default (tls: true, system CAs) a certificate from an unknown CA is refused with a clear error', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      const e = await refused(
        connection(sim.url, { tls: true }),
        /TLS certificate refused \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\)/,
      );
      expect((e.cause as { code?: string }).code).toMatch(/UNABLE_TO|SELF_SIGNED/);
      expect(e.server).toBe(sim.url);
    });

    it('tls: {} (node defaults) refuses it too: verification is on unless turned off', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      await refused(connection(sim.url, { tls: {} }), /TLS certificate refused/);
    });

    it('a certificate signed by another CA than the one given is refused', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      await refused(connection(sim.url, { tls: { ca: pki.otherCa } }), /TLS certificate refused/);
    });

    it('a certificate for another host name is refused (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
      const sim = await tlsSim({ key: pki.wrongName.key, cert: pki.wrongName.cert });
      await refused(connection(sim.url, { tls: { ca: pki.ca } }), /TLS certificate refused \(ERR_TLS_CERT_ALTNAME_INVALID\).*127\.0\.0\.1/);
    });

    it('a self-signed server certificate is refused by default', async () => {
      const sim = await tlsSim({ key: pki.selfSigned.key, cert: pki.selfSigned.cert });
      await refused(connection(sim.url, { tls: true }), /TLS certificate refused \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    });

    it('rejectUnauthorized: false is an explicit opt-out (documented as unsafe): it connects', async () => {
      const sim = await tlsSim({ key: pki.selfSigned.key, cert: pki.selfSigned.cert });
      const conn = connection(sim.url, { tls: { rejectUnauthorized: false } });
      await conn.open();
      expect((await conn.queryServer()).Event).toBe('EventServerInfo');
    });
  });

  describe('mutual TLS', () => {
    const mtls = () => ({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, requestCert: true, rejectUnauthorized: true });

    it('a client certificate from the trusted CA is accepted', async () => {
      const sim = await tlsSim(mtls());
      const clients: string[] = [];
      sim.on('client', (c) => clients.push(String(c.remoteAddress)));
      const conn = connection(sim.url, { tls: { ca: pki.ca, key: pki.client.key, cert: pki.client.cert } });
      await conn.open();
      expect((await conn.queryServer()).Event).toBe('EventServerInfo');
      expect(clients).toEqual(['127.0.0.1']);
    });

    it('no client certificate: refused with a ConnectError (the server ends the handshake)', async () => {
      const sim = await tlsSim(mtls());
      const conn = connection(sim.url, { tls: { ca: pki.ca } });
      const err = await conn.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectError);
      // TLS 1.3: the server's alert 116 'certificate required' (TLS 1.2: a handshake failure).
      expect((err as Error).message).toMatch(/certificate required|handshake failure/i);
      expect(conn.state.status).toBe('closed');
    });

    it('a client certificate from a foreign CA: refused', async () => {
      const sim = await tlsSim(mtls());
      const conn = connection(sim.url, { tls: { ca: pki.ca, key: pki.foreignClient.key, cert: pki.foreignClient.cert } });
      const err = await conn.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectError);
      expect(conn.state.status).toBe('closed');
    });
  });

  describe('servername and learned addresses (issue 21 item 8)', () => {
    /** A pair whose servers both present `cert`; the connection dials the primary's address with `options`. */
    async function pairWith(cert: { key: Buffer; cert: Buffer }, options: (pair: HotStandbyPair) => Partial<TServerConnectionOptions>) {
      const pair = await HotStandbyPair.start({ tls: cert });
      cleanups.push(() => pair.stop());
      const conn = connection(pair.addresses.primary, options(pair));
      return { pair, conn };
    }

    it('tls.servername does not vouch for a learned backup: a certificate valid only for the name given for the primary is refused there', async () => {
      // The primary is dialled by IP with servername 'localhost'; the backup it names (127.0.0.1:port)
      // presents the same localhost-only certificate, which is not valid for 127.0.0.1.
      const { pair, conn } = await pairWith(pki.localhostOnly, () => ({ tls: { ca: pki.ca, servername: 'localhost' } }));
      const atBackup: string[] = []; // sessions b accepted: a handshake the client completed
      pair.b.on('client', (c) => atBackup.push(String(c.remoteAddress)));
      const failures: Array<{ server: string; error: Error }> = [];
      conn.on('reconnectFailed', (f) => failures.push(f));
      await conn.open(); // the configured primary: servername applies
      expect((await conn.queryServer()).Event).toBe('EventServerInfo');
      await pair.killPrimary();
      // The reconnect loop retries the dead primary while the learned backup is dialled beside it
      // at the same backoff: by the third failure the backup has been tried and refused.
      await until(() => failures.length >= 3, 'three failed reconnect attempts', 5_000);
      expect(atBackup).toEqual([]);
      expect(conn.state.status).toBe('reconnecting');
    });

    it('Transport: a learned endpoint is checked against its own host, a configured one against tls.servername', async () => {
      const sim = await tlsSim({ key: pki.localhostOnly.key, cert: pki.localhostOnly.cert });
      const port = Number(sim.url.split(':')[1]);
      const transport = (endpoint: Endpoint) =>
        new Transport({
          endpoint,
          codec: wireCodecV1,
          maxFrameBytes: 1 << 20,
          maxWriteBufferBytes: 1 << 20,
          connectTimeoutMs: 2_000,
          tls: { ca: pki.ca, servername: 'localhost' },
          addp: false,
        });
      const learned = transport({ host: '127.0.0.1', port, name: 'learned' });
      const err = await learned.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as Error).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID.*127\.0\.0\.1/);
      const configured = transport({ host: '127.0.0.1', port, name: 'configured', configured: true });
      await configured.connect();
      configured.close();
      const listed = transport({ host: '127.0.0.1', port, name: 'listed', servername: 'localhost' });
      await listed.connect();
      listed.close();
    });

    it('a learned backup whose certificate is valid for its own address is accepted with tls.servername set', async () => {
      const { pair, conn } = await pairWith(pki.localhostAndIp, () => ({ tls: { ca: pki.ca, servername: 'localhost' } }));
      await expectStandbyThenFailover(pair, conn);
    });

    it('a backup the user configures with its own servername is checked against that name', async () => {
      const { pair, conn } = await pairWith(pki.localhostOnly, (p) => ({
        tls: { ca: pki.ca, servername: 'localhost' },
        backup: { host: '127.0.0.1', port: Number(p.b.url.split(':')[1]), servername: 'localhost' },
      }));
      await expectStandbyThenFailover(pair, conn);
    });
  });

  describe('TLS and failures', () => {
    it('a TLS hot-standby pair: the backup learned from EventRestoreConnection is verified too, and failover works', async () => {
      const pair = await HotStandbyPair.start({ tls: { key: pki.server.key, cert: pki.server.cert } });
      cleanups.push(() => pair.stop());
      const conn = connection(pair.addresses.primary, { tls: { ca: pki.ca } });
      await expectStandbyThenFailover(pair, conn);
      const ringing = nextEvent(conn, 'EventRinging');
      pair.b.placeCall('1001');
      await ringing;
    });

    it('a cut TLS connection is re-established (new handshake), registrations replayed', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      const proxy = await FaultProxy.start(sim.url);
      cleanups.push(() => proxy.close());
      const conn = connection(proxy.url, { tls: { ca: pki.ca } });
      await conn.open();
      await conn.registerAddress('1001');
      const back = nextEvent(conn, 'EventServerConnected');
      proxy.cut();
      await back;
      const ringing = nextEvent(conn, 'EventRinging');
      sim.placeCall('1001');
      await ringing;
      expect(proxy.accepted).toBe(2);
    });

    it('a handshake that never completes ends at connectTimeoutMs with a ConnectError', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      const proxy = await FaultProxy.start(sim.url);
      cleanups.push(() => proxy.close());
      proxy.blackhole('down'); // the ServerHello never arrives
      const conn = connection(proxy.url, { tls: { ca: pki.ca }, connectTimeoutMs: 400 });
      const started = performance.now();
      const err = await conn.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = performance.now() - started;
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as Error).message).toMatch(/no connection within 400 ms/);
      // The error names the timeout that ended it; on a busy machine it may only come later.
      expect(ms).toBeGreaterThanOrEqual(350);
    });

    it('TLS against a plain-TCP server fails with a ConnectError, not a hang', async () => {
      const sim = new TServerSimulator({ name: 'plain' });
      await sim.start();
      cleanups.push(() => sim.stop());
      const conn = connection(sim.url, { tls: { ca: pki.ca }, connectTimeoutMs: 1_000 });
      const err = await conn.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectError);
    });

    it('refused handshakes leave no sockets behind', async () => {
      const sim = await tlsSim({ key: pki.server.key, cert: pki.server.cert });
      const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
      const before = sockets();
      for (let i = 0; i < 10; i++) {
        const conn = new TServerConnection({ primary: sim.url, ...QUICK, tls: true });
        await conn.open().catch(() => undefined);
        await conn.close();
      }
      await until(() => sockets() <= before, 'sockets closed', 2_000);
    });
  });
});
