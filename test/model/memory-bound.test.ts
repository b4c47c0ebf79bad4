/**
 * The state model is bounded in bytes, not only in calls (issue: 1,500 never-ending calls with
 * 1 MB of user data each held 1.46 GB, and kept it after close()). A raw server on loopback sends
 * 2,000 calls with 1 MB of user data each to a connection in a child process whose heap is capped
 * at 512 MiB (past it the child dies); its heap after gc must stay under 512 MiB while open and
 * under 64 MiB after close(), with the views still readable and the trimming reported.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/codec/encoder.js';
import { messageByName } from '../../src/protocol/catalogue.js';
import { DEFAULT_MAX_USER_DATA_BYTES } from '../../src/model/index.js';
import { NOW, RawTServer } from '../support/raw-tserver.js';

const CALLS = 2_000;
/** 64 values of 16,000 characters: 1,024,000 bytes of user data, a frame just under maxFrameBytes (1 MiB). */
const USER_DATA = Array.from({ length: 64 }, (_, i) => [`Key${i}`, String.fromCharCode(65 + (i % 26)).repeat(16_000)] as [string, string]);
const connIdOf = (n: number) => (0x5a00_0000_0000 + n).toString(16).padStart(16, '0');
const END = connIdOf(CALLS + 1);

interface ChildResult {
  events: number;
  calls: number;
  callsAfterClose: number;
  keptChars: number;
  /** Heap after gc once registered, before the calls. */
  before: number;
  /** Heap after gc once every view was read. */
  read: number;
  open: number;
  peak: number;
  closed: number;
  warnings: Record<string, number>;
}

let server: RawTServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * Writes `frame` and waits for the socket to drain when its buffer is full (the sender stays
 * bounded); fails if the socket closes first (the child died).
 */
function write(socket: net.Socket, frame: Uint8Array): Promise<void> {
  if (socket.destroyed) return Promise.reject(new Error('the child closed its connection'));
  if (socket.write(frame)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const closed = () => reject(new Error('the child closed its connection'));
    socket.once('close', closed);
    socket.once('drain', () => {
      socket.off('close', closed);
      resolve();
    });
  });
}

describe('state model byte bounds over loopback', () => {
  it('2,000 never-ending calls with 1 MB of user data each: heap < 512 MiB while open, < 64 MiB after close()', async () => {
    server = await RawTServer.start();
    server.onRequest = (r) => {
      if (r.name === 'RequestRegisterAddress') {
        server!.send(r.socket, 'EventRegistered', { ReferenceID: r.attributes.ReferenceID, ThisDN: r.attributes.ThisDN });
      }
    };
    const child = fork(fileURLToPath(new URL('./memory-bound-child.ts', import.meta.url)), [server.url, END], {
      execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=512'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const result = new Promise<ChildResult>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean; result?: ChildResult; error?: string }) => {
        if (m.result) resolve(m.result);
        if (m.error) reject(new Error(m.error));
      });
      void exited.then((code) => reject(new Error(`the child ended (code ${code}) before its result: over its 512 MiB heap?`)));
    });
    await new Promise<void>((resolve) => child.on('message', (m: { ready?: boolean }) => m.ready && resolve()));
    const socket = [...server.sockets][0]!;
    const type = messageByName('EventEstablished')!.type;
    try {
      for (let n = 1; n <= CALLS; n++) {
        const frame = encodeFrame(type, { ThisDN: '1001', ConnID: connIdOf(n), OtherDN: '5551234', UserData: USER_DATA, time: NOW() });
        expect(frame.length).toBeLessThanOrEqual(1024 * 1024);
        await write(socket, frame);
      }
      await write(socket, encodeFrame(type, { ThisDN: '1001', ConnID: END, time: NOW() }));
      const r = await result;
      console.log(
        `heap MiB: before ${r.before.toFixed(1)}, open ${r.open.toFixed(1)}, views read ${r.read.toFixed(1)}, after close ${r.closed.toFixed(1)}`,
      );
      expect(r.events).toBe(CALLS + 1);
      // Every call is kept (2,001 is within maxCalls), its user data trimmed to the byte bounds.
      expect(r.calls).toBe(CALLS + 1);
      expect(r.keptChars).toBeLessThanOrEqual(DEFAULT_MAX_USER_DATA_BYTES);
      expect(r.keptChars).toBeGreaterThan(DEFAULT_MAX_USER_DATA_BYTES / 2);
      // The first trim and then one per maxCalls (10,000) trims: one warning here.
      expect(r.warnings).toEqual({ ERR_MODEL_USER_DATA_LIMIT: 1 });
      expect(r.open).toBeLessThan(512);
      // Reading every view costs little: views share the kept user data, and a view keyed by a
      // numeric DN ('1001') is no array of 1,000 slots.
      expect(r.read - r.open).toBeLessThan(4);
      expect(r.peak).toBeLessThan(512);
      // The views stay readable after close(), within the same bound.
      expect(r.callsAfterClose).toBe(CALLS + 1);
      expect(r.closed).toBeLessThan(64);
    } finally {
      child.kill();
      await exited;
    }
  }, 180_000); // 2 GB over loopback: a few seconds alone, far more on a loaded 2-core machine
});
