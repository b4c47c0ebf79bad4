/**
 * open() against a peer that is not a T-Server (issue 25 item 8), over real loopback sockets: a
 * node:http server answers RequestRegisterClient with "HTTP/1.1 400 Bad Request"; the SDK reads
 * "HTTP" as a frame length of 1,213,486,160 bytes. open() fails with a ConnectError saying what
 * answered, its cause the ProtocolError ERR_NOT_TSERVER.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectError, ProtocolError, TServerConnection } from '../../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function httpServer(): Promise<string> {
  const server = http.createServer((_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe('a peer that is not a T-Server', () => {
  it('an HTTP server: open() fails with ConnectError "not a T-Server (it answered like an HTTP server …)"', async () => {
    const url = await httpServer();
    const conn = new TServerConnection({ primary: url, reconnect: false, connectTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
    cleanups.push(() => conn.close());
    const err = await conn.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toMatch(/not a T-Server \(it answered like an HTTP server: "HTTP\/1\.1 400 Bad Request"\)/);
    const cause = (err as ConnectError).cause;
    expect(cause).toBeInstanceOf(ProtocolError);
    expect(cause).toMatchObject({ code: 'ERR_NOT_TSERVER', offset: 0, fatal: true });
    expect(conn.state.status).toBe('closed');
  });
});
