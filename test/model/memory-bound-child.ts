/**
 * The SDK side of test/model/memory-bound.test.ts, in a child process run with --expose-gc so its
 * heap is its own: a connection to the test's raw server registers one DN, takes the calls the
 * server sends until the end marker, and reports its heap (after gc) while open and after close(),
 * with what its state model holds. Talks to the parent over IPC.
 */
import { TServerConnection } from '../../src/index.js';

const [url, endConnId] = process.argv.slice(2) as [string, string];
const gc = (globalThis as { gc?: () => void }).gc!;

async function heapMiB(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed / 1048576;
}

function userDataChars(conn: TServerConnection): number {
  let n = 0;
  for (const call of conn.calls.values()) for (const [key, value] of call.userData ?? []) n += key.length + String(value).length;
  return n;
}

async function main(): Promise<void> {
  // No ADDP: the parent writes gigabytes from its own loop, which may look like silence.
  const conn = new TServerConnection({ primary: url, addp: false, reconnect: false });
  const warnings = new Map<string, number>();
  conn.on('protocolWarning', (w) => warnings.set(w.code, (warnings.get(w.code) ?? 0) + 1));
  conn.on('error', () => undefined);
  let peak = 0;
  let events = 0;
  const ended = new Promise<void>((resolve) => {
    conn.on('EventEstablished', (e) => {
      events++;
      if (events % 200 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed / 1048576);
      if (e.ConnID === endConnId) resolve();
    });
  });
  await conn.open();
  await conn.registerAddress('1001');
  const before = await heapMiB();
  process.send!({ ready: true });
  await ended;
  const open = await heapMiB();
  const calls = conn.calls.size;
  const keptChars = userDataChars(conn);
  const read = await heapMiB();
  await conn.close();
  const closed = await heapMiB();
  process.send!({
    result: {
      events,
      calls,
      callsAfterClose: conn.calls.size,
      keptChars,
      before,
      read,
      open,
      peak: Math.max(peak, open),
      closed,
      warnings: Object.fromEntries(warnings),
    },
  });
}

main().catch((err: Error) => process.send!({ error: err.stack ?? String(err) }));
