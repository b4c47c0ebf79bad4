/**
 * The simulator side of the socket benchmarks, run in a worker thread (its own event loop, its own
 * V8 heap): the figures then measure the client's receive path, not the sender's, and heap figures
 * count the client's heap only. Driven by SimHost (./sim-host.ts) with small RPC messages.
 */
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeFrame } from '../../src/codec/encoder.js';
import { HotStandbyPair, TServerSimulator } from '../../src/simulator/index.js';
import { callStream } from './call-stream.js';
import { threadId } from './cpu.js';
import { eventMix } from './events.js';

export interface SimWorkerData {
  mode: 'single' | 'pair';
  linkUp?: boolean;
}

export type SimCommand =
  | { cmd: 'addresses' }
  /** The worker thread's kernel thread id (its CPU time is then read from the main thread). */
  | { cmd: 'tid' }
  /** `stream`: the event mix (default) or call events on registered DNs with user data on each. */
  | { cmd: 'prepareBatch'; count: number; dns: string[]; stream?: 'mix' | 'calls' }
  | { cmd: 'sendBatch' }
  | { cmd: 'placeCall'; dn: string }
  | { cmd: 'killPrimaryAndCall'; dn: string | undefined }
  | { cmd: 'freezePrimary' }
  | { cmd: 'takeOverFromFrozen'; dn: string | undefined }
  | { cmd: 'restartDead' }
  | { cmd: 'clientCounts' }
  | { cmd: 'requestCounts' }
  | { cmd: 'stop' }
  /** A plain TCP server for the receive figure's baselines: each client says its name in its first line. */
  | { cmd: 'blasterStart' }
  | { cmd: 'blasterClients' }
  /** Keep `bytes` to send to the client named `name`. */
  | { cmd: 'blasterLoad'; name: string; bytes: Uint8Array }
  /** Write what was loaded for `name` to that client, in one write. */
  | { cmd: 'blast'; name: string };

const data = workerData as SimWorkerData;
const port = parentPort!;
let single: TServerSimulator | undefined;
let pair: HotStandbyPair | undefined;
let batch: Buffer | undefined;
let blaster: net.Server | undefined;
const blastClients = new Map<string, net.Socket>();
const blastData = new Map<string, Buffer>();

async function startBlaster(): Promise<string> {
  blaster = net.createServer((socket) => {
    socket.setNoDelay(true);
    let hello = '';
    const onHello = (chunk: Buffer) => {
      hello += chunk.toString('latin1');
      const nl = hello.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onHello);
      blastClients.set(hello.slice(0, nl), socket);
    };
    socket.on('data', onHello);
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => blaster!.listen(0, '127.0.0.1', resolve));
  const a = blaster.address() as net.AddressInfo;
  return `127.0.0.1:${a.port}`;
}

function primary(): TServerSimulator {
  return single ?? pair!.primary;
}

function addresses(): { primary: string; backup: string | undefined } {
  return single ? { primary: single.url, backup: undefined } : { primary: pair!.primary.url, backup: pair!.backup.url };
}

async function handle(c: SimCommand): Promise<unknown> {
  switch (c.cmd) {
    case 'addresses':
      return addresses();
    case 'tid':
      return threadId();
    case 'prepareBatch': {
      // Fresh EventSequenceNumbers from the server's own counter, so the client's duplicate filter
      // passes every event, and the server's ServerStartTime.
      const shared = primary().shared;
      const firstSeq = shared.lastSequence + 1;
      for (let i = 0; i < c.count; i++) shared.nextSequence();
      const make = c.stream === 'calls' ? callStream : eventMix;
      const frames = make(c.count, { firstSeq, dns: c.dns, serverStartTime: shared.serverStartTime }).map((e) =>
        encodeFrame(e.type, e.attributes),
      );
      batch = Buffer.concat(frames);
      return { bytes: batch.length, events: frames.length };
    }
    case 'sendBatch':
      if (!batch) throw new Error('no batch prepared');
      primary().sendRaw(batch);
      return true;
    case 'placeCall':
      return primary().placeCall(c.dn);
    case 'killPrimaryAndCall': {
      // The primary dies; the backup takes over at once (EventPrimaryChanged) and a call comes in.
      const p = pair!;
      const dead = p.primary;
      const killed = p.kill(dead); // sockets are destroyed synchronously
      const connId = c.dn !== undefined && p.primary !== dead ? p.primary.placeCall(c.dn) : undefined;
      await killed;
      return connId;
    }
    case 'freezePrimary':
      pair!.freeze(pair!.primary, true);
      return true;
    case 'takeOverFromFrozen': {
      // The frozen primary is killed (as a watchdog would) and the backup takes over with a call.
      const p = pair!;
      const frozen = p.primary;
      const killed = p.kill(frozen);
      frozen.freeze(false);
      const connId = c.dn !== undefined && p.primary !== frozen ? p.primary.placeCall(c.dn) : undefined;
      await killed;
      return connId;
    }
    case 'restartDead': {
      const p = pair!;
      const dead = p.a.isRunning ? p.b : p.a;
      if (dead.isRunning) return dead.url;
      await p.restart(dead);
      return dead.url;
    }
    case 'clientCounts':
      return single ? [single.clientCount] : [pair!.a.clientCount, pair!.b.clientCount];
    case 'requestCounts':
      return single ? [single.requestCounts()] : [pair!.a.requestCounts(), pair!.b.requestCounts()];
    case 'stop':
      for (const c of blastClients.values()) c.destroy();
      if (blaster) await new Promise((r) => blaster!.close(r));
      await (single?.stop() ?? pair?.stop());
      return true;
    case 'blasterStart':
      return blaster ? (blaster.address() as net.AddressInfo).port : startBlaster();
    case 'blasterClients':
      return [...blastClients.keys()];
    case 'blasterLoad':
      blastData.set(c.name, Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength));
      return c.bytes.byteLength;
    case 'blast': {
      const socket = blastClients.get(c.name);
      const data = blastData.get(c.name);
      if (!socket || !data) throw new Error(`nothing to blast to ${c.name}`);
      socket.write(data);
      return true;
    }
  }
}

async function main(): Promise<void> {
  if (data.mode === 'single') {
    single = new TServerSimulator({ name: 'bench-sim', linkUp: data.linkUp ?? true });
    await single.start();
  } else {
    pair = await HotStandbyPair.start({ linkUp: data.linkUp ?? true });
  }
  port.on('message', (m: { id: number; command: SimCommand }) => {
    handle(m.command).then(
      (result) => port.postMessage({ id: m.id, result }),
      (err: Error) => port.postMessage({ id: m.id, error: err?.stack ?? String(err) }),
    );
  });
  port.postMessage({ id: 0, result: addresses() });
}

main().catch((err) => {
  port.postMessage({ id: 0, error: (err as Error)?.stack ?? String(err) });
});
