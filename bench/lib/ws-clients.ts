/**
 * Worker thread for bench/gateway.ts: N Node WebSocket clients standing in for browsers, in their
 * own event loop and heap (so the main thread's heap and CPU count the server side only). Records,
 * per client, when the first message carrying the armed marker arrived (epoch ms, comparable
 * across threads: performance.timeOrigin + performance.now()).
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { GATEWAY_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../../src/gateway/protocol.js';

export type ClientsCommand =
  | { cmd: 'connect'; url: string; count: number; firstDn: number; gateway: boolean }
  | { cmd: 'arm'; marker: string }
  | { cmd: 'collect'; timeoutMs: number }
  | { cmd: 'close' };

const now = () => performance.timeOrigin + performance.now();
let clients: WebSocket[] = [];
let marker: string | undefined;
let times = new Float64Array(0);
let seen = 0;

async function connect(url: string, count: number, firstDn: number, gateway: boolean): Promise<void> {
  const opened: Promise<void>[] = [];
  const base = clients.length;
  times = new Float64Array(base + count);
  for (let i = 0; i < count; i++) {
    const dn = String(firstDn + i);
    const index = base + i;
    const ws = gateway
      ? new WebSocket(url, [GATEWAY_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + Buffer.from(`bench-${dn}`).toString('base64url')])
      : new WebSocket(`${url}?dn=${dn}`);
    clients.push(ws);
    opened.push(
      new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (data) => {
          if (marker !== undefined && times[index] === 0 && String(data).includes(marker)) {
            times[index] = now();
            seen++;
          }
          if (gateway && String(data).startsWith('{"type":"snapshot"')) resolve();
        });
        ws.once('open', () => {
          if (gateway) ws.send(JSON.stringify({ type: 'hello', v: 1 }));
          else resolve();
        });
      }),
    );
    // Open in batches: 1,000 handshakes at once would only queue in the kernel.
    if (i % 100 === 99) await Promise.all(opened.slice(-100));
  }
  await Promise.all(opened);
}

parentPort!.on('message', async ({ id, command }: { id: number; command: ClientsCommand }) => {
  try {
    let result: unknown;
    switch (command.cmd) {
      case 'connect':
        await connect(command.url, command.count, command.firstDn, command.gateway);
        break;
      case 'arm':
        marker = command.marker;
        times.fill(0);
        seen = 0;
        break;
      case 'collect': {
        const deadline = now() + command.timeoutMs;
        while (seen < clients.length && now() < deadline) await new Promise((r) => setTimeout(r, 2));
        result = Array.from(times);
        marker = undefined;
        break;
      }
      case 'close':
        for (const ws of clients) ws.terminate();
        clients = [];
        break;
    }
    parentPort!.postMessage({ id, result });
  } catch (err) {
    parentPort!.postMessage({ id, error: String((err as Error)?.stack ?? err) });
  }
});
parentPort!.postMessage({ id: 0, result: 'ready' });
