/**
 * Fuzzing the streaming FrameDecoder: what a hostile server could send, in any chunking.
 *
 * Inputs (one fast-check arbitrary, `fuzzCaseArb`):
 * - random bytes;
 * - a correct header with a random body (random type, count, bytes);
 * - a correct header with random attributes (real attribute ids, any value type, random payloads);
 * - streams of 1–4 valid frames (from a pool generated once from the message arbitraries) with
 *   0–4 damages (truncate, bit flip, overwrite, splice, cut);
 * - valid frames whose length field lies (0, 7, 8, ±k, the limit, the limit + 1, 0xFFFFFFFF);
 * - frames whose UserData (sometimes nested one level) has keys drawn from a few byte strings:
 *   invalid UTF-8, several byte forms that read alike after U+FFFD replacement, the UTF-8 of U+FFFD
 *   itself, ASCII; repeated, up to 600 entries (a quadratic check shows as a hang at that size);
 * each split into chunks at random positions (sometimes at every byte), with the default 1 MiB
 * limit or a small one.
 *
 * Checks (`checkCase`): push() never throws; every onError argument is a ProtocolError with a
 * known code, an integer offset inside the stream and a boolean `fatal`; nothing is reported after
 * a fatal error; decoded frames respect the limit; the bytes held for an incomplete frame stay
 * below the limit (memory bounded); the same bytes in one chunk give the same reports (chunking
 * invariance); a stream of undamaged frames decodes to exactly those frames; and no case takes
 * more than `HANG_MS` of CPU time. For the kvlist-key frames also: each key reads as the WHATWG decoder
 * reads its bytes, and the warnings are bounded (MAX_WARNINGS_PER_FRAME + one summary) and account
 * for every invalid key and every key read alike from different bytes.
 */
import fc from 'fast-check';
import { FrameDecoder, decodeFrame, type DecodedMessage } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { DEFAULT_MAX_FRAME_BYTES, MAX_WARNINGS_PER_FRAME } from '../../src/codec/format.js';
import { ProtocolError } from '../../src/errors.js';
import { ATTRIBUTES } from '../../src/protocol/attributes.js';
import { MESSAGES } from '../../src/protocol/catalogue.js';
import { anyMessageArb, applyDamage, damageArb, encodeSample, nestedKVList, splitAt } from '../support/arbitraries.js';
import { attr, EVENT_USER_EVENT, frame, kvInts, str, THIS_DN, u16, u32, USER_DATA } from '../codec/wire-bytes.js';
import { cpuMark, cpuMsSince } from '../util/cpu-time.js';

/**
 * A single case taking more CPU time than this is treated as a hang. CPU time, not wall time: a
 * case is the decoder's own work blocking the loop, and a busy machine must not make it look slow.
 */
export const HANG_MS = 2_000;

const CODES = new Set([
  'ERR_FRAME_TOO_LARGE',
  'ERR_FRAME_TOO_SMALL',
  'ERR_BAD_MAGIC',
  'ERR_BAD_VERSION',
  'ERR_TRUNCATED',
  'ERR_TRAILING_BYTES',
  'ERR_BAD_VALUE_TYPE',
  'ERR_BAD_VALUE',
  'ERR_KVLIST_TOO_DEEP',
  'ERR_DUPLICATE_ATTRIBUTE',
  'ERR_NOT_TSERVER',
]);

export interface FuzzCase {
  kind: string;
  bytes: Buffer;
  /** Chunk boundaries (sorted, inside the stream), or 'every' for one byte per push. */
  cuts: number[] | 'every';
  maxFrameBytes: number;
  /** For undamaged streams: the frames it is made of, which must decode exactly. */
  clean?: Buffer[];
  /** For kvlist-key frames: the raw keys of its UserData (of the inner kvlist when `nested`). */
  keys?: Buffer[];
  nested?: boolean;
}

// ------------------------------------------------------------------------------ the pool

/** Valid frames, generated once with a fixed seed (plus a few edge cases). */
export function buildPool(size = 1_500, seed = 20_240_601): Buffer[] {
  const pool: Buffer[] = [];
  for (const m of fc.sample(anyMessageArb, { numRuns: size, seed })) {
    try {
      pool.push(encodeSample(m));
    } catch {
      // a sample the encoder refuses: not a valid frame, skip it
    }
  }
  pool.push(encodeFrame(0xfff0, undefined), encodeFrame(0xfff1, undefined));
  pool.push(encodeFrame(96, { ThisDN: '1', UserData: nestedKVList(16, 'bottom') }));
  pool.push(encodeFrame(96, { ThisDN: 'x'.repeat(3_000) }));
  return pool;
}

// ------------------------------------------------------------------------------ arbitraries

const ATTRIBUTE_IDS = Object.values(ATTRIBUTES).map((a) => (a as { id: number }).id);
const MESSAGE_TYPES = MESSAGES.map((d) => d.type);

function header(type: number, count: number, bodyLength: number, magic = 0x544c, version = 1): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(8 + bodyLength, 0);
  b.writeUInt16BE(magic, 4);
  b[6] = version;
  b[7] = 0;
  b.writeUInt16BE(type, 8);
  b.writeUInt16BE(count, 10);
  return b;
}

const maxFrameArb = fc.constantFrom(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES, 64, 256, 4_096);
const typeArb = fc.oneof(fc.constantFrom(...MESSAGE_TYPES), fc.integer({ min: 0, max: 0xffff }));

const randomBytesArb = fc.uint8Array({ maxLength: 96 }).map((b) => ({ kind: 'random', bytes: Buffer.from(b) }));

const randomBodyArb = fc
  .record({ type: typeArb, count: fc.integer({ min: 0, max: 6 }), body: fc.uint8Array({ maxLength: 64 }), magicOk: fc.boolean() })
  .map(({ type, count, body, magicOk }) => ({
    kind: 'random-body',
    bytes: Buffer.concat([header(type, count, body.length, magicOk ? 0x544c : 0x4c54), Buffer.from(body)]),
  }));

/** An attribute with a real id, any value type byte (1–6 mostly, sometimes junk) and a random payload. */
const randomAttributeArb = fc
  .record({
    id: fc.oneof(fc.constantFrom(...ATTRIBUTE_IDS), fc.integer({ min: 0, max: 0xffff })),
    vtype: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 255 })),
    // A length prefix that is sometimes honest, then bytes.
    len: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000)),
    payload: fc.uint8Array({ maxLength: 16 }),
    prefixed: fc.boolean(),
  })
  .map(({ id, vtype, len, payload, prefixed }) => {
    const head = Buffer.alloc(3);
    head.writeUInt16BE(id, 0);
    head[2] = vtype;
    if (!prefixed) return Buffer.concat([head, Buffer.from(payload)]);
    const l = Buffer.alloc(4);
    l.writeUInt32BE(len >>> 0);
    return Buffer.concat([head, l, Buffer.from(payload.subarray(0, Math.min(payload.length, len)))]);
  });

const randomAttributesArb = fc
  .record({ type: typeArb, attrs: fc.array(randomAttributeArb, { maxLength: 5 }), countDelta: fc.integer({ min: -1, max: 1 }) })
  .map(({ type, attrs, countDelta }) => {
    const body = Buffer.concat(attrs);
    return { kind: 'random-attributes', bytes: Buffer.concat([header(type, Math.max(0, attrs.length + countDelta), body.length), body]) };
  });

function streamArb(pool: Buffer[]) {
  return fc
    .record({
      picks: fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 4 }),
      damages: fc.oneof(
        { weight: 1, arbitrary: fc.constant([]) },
        { weight: 3, arbitrary: fc.array(damageArb, { minLength: 1, maxLength: 4 }) },
      ),
    })
    .map(({ picks, damages }) => {
      const frames = picks.map((i) => pool[i]);
      const bytes = Buffer.concat(frames);
      if (damages.length === 0) return { kind: 'valid-stream', bytes, clean: frames };
      return { kind: 'damaged-stream', bytes: applyDamage(bytes, damages) };
    });
}

function lyingLengthArb(pool: Buffer[]) {
  return fc
    .record({
      pick: fc.nat(pool.length - 1),
      lie: fc.oneof(
        fc.constantFrom(0, 1, 7, 8, 0xffffffff, 0x80000000, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES + 1),
        fc.integer({ min: -16, max: 16 }),
      ),
      trailer: fc.uint8Array({ maxLength: 24 }),
    })
    .map(({ pick, lie, trailer }) => {
      const f = Buffer.from(pool[pick]);
      const length = f.readUInt32BE(0);
      const value = Math.abs(lie) <= 16 && lie !== 0 && lie !== 1 && lie !== 7 && lie !== 8 ? Math.max(0, length + lie) : lie;
      f.writeUInt32BE(value >>> 0, 0);
      return { kind: 'lying-length', bytes: Buffer.concat([f, Buffer.from(trailer)]) };
    });
}

/** Key byte strings: invalid UTF-8, forms that read alike ("A\uFFFD", "\uFFFD"), valid ones. */
const KEY_FORMS = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc3],
  [0xe2, 0x82],
  [0xef, 0xbf, 0xbd], // U+FFFD, valid
  [0x41, 0xff],
  [0x41, 0xfe],
  [0x41, 0xef, 0xbf, 0xbd], // "A\uFFFD", valid
  [0x41],
  [0xc3, 0xa9], // "é", valid
  [0xed, 0xa0, 0x80], // a surrogate: invalid
].map((b) => Buffer.from(b));

const kvlistKeysArb = fc
  .record({
    forms: fc.uniqueArray(fc.nat(KEY_FORMS.length - 1), { minLength: 1, maxLength: 6 }),
    picks: fc.oneof(
      { weight: 19, arbitrary: fc.array(fc.nat(), { maxLength: 64 }) },
      { weight: 1, arbitrary: fc.array(fc.nat(), { maxLength: 600 }) },
    ),
    nested: fc.boolean(),
  })
  .map(({ forms, picks, nested }) => {
    const keys = picks.map((i) => KEY_FORMS[forms[i % forms.length]]);
    const list = kvInts(keys);
    // Nested: UserData = [["outer", <the list>]].
    const value = nested ? Buffer.concat([u32(1), u16(5), Buffer.from('outer'), Buffer.from([4]), list]) : list;
    const bytes = frame(EVENT_USER_EVENT, [attr(THIS_DN, 2, str(Buffer.from('1001'))), attr(USER_DATA, 4, value)]);
    return { kind: 'kvlist-keys', bytes, clean: [bytes], keys, nested };
  });

function cutsArb(length: number): fc.Arbitrary<number[] | 'every'> {
  if (length < 2) return fc.constant([]);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: Math.min(8, length - 1) })
        .map((c) => c.sort((a, b) => a - b)),
    },
    { weight: 1, arbitrary: fc.constant('every' as const) },
  );
}

export function fuzzCaseArb(pool: Buffer[]): fc.Arbitrary<FuzzCase> {
  const input = fc.oneof(
    { weight: 2, arbitrary: randomBytesArb },
    { weight: 2, arbitrary: randomBodyArb },
    { weight: 3, arbitrary: randomAttributesArb },
    { weight: 5, arbitrary: streamArb(pool) },
    { weight: 2, arbitrary: lyingLengthArb(pool) },
    { weight: 2, arbitrary: kvlistKeysArb },
  ) as fc.Arbitrary<Omit<FuzzCase, 'cuts' | 'maxFrameBytes'>>;
  return fc
    .tuple(input, maxFrameArb)
    .chain(([inp, maxFrameBytes]) => cutsArb(inp.bytes.length).map((cuts): FuzzCase => ({ ...inp, cuts, maxFrameBytes })));
}

// ------------------------------------------------------------------------------ checking

type Report = string;

function split(bytes: Buffer, cuts: number[] | 'every'): Buffer[] {
  if (cuts === 'every') {
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(bytes.subarray(i, i + 1));
    return out;
  }
  // subarray of a Buffer is a Buffer.
  return splitAt(bytes, cuts) as Buffer[];
}

function messagePrint(m: DecodedMessage): Report {
  return `M${m.type}/${m.byteLength}/${Object.keys(m.attributes).join(',')}/${m.unknownAttributes?.length ?? 0}`;
}

export class FuzzFailure extends Error {}

function fail(c: FuzzCase, what: string): never {
  throw new FuzzFailure(
    `${what} [kind ${c.kind}, ${c.bytes.length} bytes, max ${c.maxFrameBytes}, hex ${c.bytes.subarray(0, 64).toString('hex')}]`,
  );
}

/** Feeds `chunks` to a fresh decoder, checking every invariant on the way; returns the reports. */
function run(c: FuzzCase, chunks: Buffer[], messages?: DecodedMessage[]): Report[] {
  const reports: Report[] = [];
  let fatal = false;
  const total = c.bytes.length;
  const decoder = new FrameDecoder(
    {
      onMessage(m) {
        if (fatal) fail(c, 'a message after a fatal error');
        if (!(m.byteLength >= 12 && m.byteLength <= c.maxFrameBytes + 4))
          fail(c, `message byteLength ${m.byteLength} outside [12, max + 4]`);
        if (!Number.isInteger(m.type) || m.type < 0 || m.type > 0xffff) fail(c, `message type ${m.type}`);
        if (typeof m.attributes !== 'object' || m.attributes === null) fail(c, 'attributes is not an object');
        messages?.push(m);
        reports.push(messagePrint(m));
      },
      onError(e) {
        if (fatal) fail(c, 'an error after a fatal error');
        if (!(e instanceof ProtocolError)) fail(c, `onError got a ${(e as object)?.constructor?.name}: ${String(e)}`);
        if (!CODES.has(e.code)) fail(c, `unknown error code ${e.code}`);
        if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > total) fail(c, `error offset ${e.offset} outside [0, ${total}]`);
        if (typeof e.fatal !== 'boolean') fail(c, 'fatal is not a boolean');
        if (e.fatal) fatal = true;
        reports.push(`E${e.code}@${e.offset}/${e.fatal}`);
      },
    },
    { maxFrameBytes: c.maxFrameBytes },
  );
  for (const chunk of chunks) {
    try {
      decoder.push(chunk);
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      fail(c, `push() threw ${(e as Error)?.stack ?? String(e)}`);
    }
    if (decoder.bufferedBytes >= c.maxFrameBytes + 4) fail(c, `bufferedBytes ${decoder.bufferedBytes} ≥ limit + 4`);
  }
  return reports;
}

export interface CaseStats {
  messages: number;
  errors: number;
  /** CPU time the case took, ms. */
  cpuMs: number;
}

/** Runs one case; throws FuzzFailure (with the bytes) on any violated invariant. */
export function checkCase(c: FuzzCase): CaseStats {
  const mark = cpuMark();
  const messages: DecodedMessage[] = [];
  const chunked = run(c, split(c.bytes, c.cuts), c.clean ? messages : undefined);
  const whole = c.cuts === 'every' || c.cuts.length > 0 ? run(c, [c.bytes]) : chunked;
  if (chunked.length !== whole.length || chunked.some((r, i) => r !== whole[i])) {
    fail(c, `chunking changed the reports:\n  chunked ${chunked.join(' ')}\n  whole   ${whole.join(' ')}`);
  }
  if (c.clean) {
    const fitting = c.clean.every((f) => f.length - 4 <= c.maxFrameBytes);
    if (fitting) {
      if (messages.length !== c.clean.length)
        fail(c, `${c.clean.length} valid frames gave ${messages.length} messages (${chunked.join(' ')})`);
      for (let i = 0; i < messages.length; i++) {
        const expected = decodeFrame(c.clean[i], c.maxFrameBytes);
        if (messagePrint(messages[i]) !== messagePrint(expected)) fail(c, `frame ${i} decoded differently in a stream`);
      }
    }
  }
  if (c.keys && messages.length === 1) checkKeys(c, messages[0]);
  // The one-shot decoder on the same bytes: a ProtocolError or a message, nothing else.
  try {
    decodeFrame(c.bytes, c.maxFrameBytes);
  } catch (e) {
    if (!(e instanceof ProtocolError)) fail(c, `decodeFrame threw ${(e as Error)?.stack ?? String(e)}`);
  }
  const cpuMs = cpuMsSince(mark);
  if (cpuMs > HANG_MS) fail(c, `took ${Math.round(cpuMs)} ms of CPU time`);
  let errors = 0;
  for (const r of chunked) if (r.startsWith('E')) errors++;
  return { messages: chunked.length - errors, errors, cpuMs };
}

const utf8 = new TextDecoder();

/** A kvlist-key frame: keys read as the WHATWG decoder reads them; warnings bounded and accounted for. */
function checkKeys(c: FuzzCase, m: DecodedMessage): void {
  const keys = c.keys!;
  let list = m.attributes.UserData as [string, unknown][];
  if (c.nested) list = list[0][1] as [string, unknown][];
  if (list.length !== keys.length) fail(c, `${keys.length} keys gave ${list.length} entries`);
  // Byte forms of each key as read (hex), and whether any of them is invalid.
  const groups = new Map<string, { forms: Set<string>; invalid: boolean }>();
  let invalid = 0;
  for (let i = 0; i < keys.length; i++) {
    const read = utf8.decode(keys[i]);
    if (list[i][0] !== read) fail(c, `key ${i + 1} read as ${JSON.stringify(list[i][0])}, not ${JSON.stringify(read)}`);
    const bad = !Buffer.from(read).equals(keys[i]);
    if (bad) invalid++;
    let g = groups.get(read);
    if (!g) groups.set(read, (g = { forms: new Set(), invalid: false }));
    g.forms.add(keys[i].toString('hex'));
    g.invalid ||= bad;
  }
  let collisions = 0;
  for (const g of groups.values()) if (g.invalid && g.forms.size > 1) collisions++;
  const ws = m.warnings ?? [];
  const count = (code: string) => ws.filter((w) => w.code === code).length;
  if (invalid + collisions <= MAX_WARNINGS_PER_FRAME) {
    if (ws.length !== invalid + collisions || count('ERR_INVALID_UTF8') !== invalid || count('ERR_KEY_COLLISION') !== collisions)
      fail(c, `warnings ${ws.map((w) => w.code).join(',')} for ${invalid} invalid keys and ${collisions} keys read alike`);
    return;
  }
  if (ws.length !== MAX_WARNINGS_PER_FRAME + 1) fail(c, `${ws.length} warnings: not bounded to ${MAX_WARNINGS_PER_FRAME} + 1`);
  const summary = /(\d+) ERR_INVALID_UTF8, (\d+) ERR_KEY_COLLISION/.exec(ws[MAX_WARNINGS_PER_FRAME].detail);
  if (ws[MAX_WARNINGS_PER_FRAME].code !== 'ERR_TOO_MANY_WARNINGS' || !summary) fail(c, 'no summary warning past the bound');
  if (count('ERR_INVALID_UTF8') + Number(summary[1]) !== invalid || count('ERR_KEY_COLLISION') + Number(summary[2]) !== collisions)
    fail(c, `warnings do not account for ${invalid} invalid keys and ${collisions} keys read alike: ${ws.at(-1)!.detail}`);
}

/** Calls the GC if the process allows it (node --expose-gc), or turns it on via V8 flags. */
export async function gcNow(): Promise<boolean> {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as (() => void) | undefined;
  }
  if (!gc) return false;
  gc();
  gc();
  return true;
}
