/**
 * The decoder's ConnID cache (src/codec/intern.ts) hands back a string it made before for bytes
 * it has seen: whatever lands in a slot, every ConnID must decode to its own 16 hex digits — as
 * an attribute and as a kvlist value, after other ConnIDs took the slot, and for all-zero bytes
 * (the value an empty slot holds).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, FrameDecoder } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';

const EVENT_ESTABLISHED = 64;
const hex = (n: bigint) => n.toString(16).padStart(16, '0');

describe('ConnID cache', () => {
  it('5,000 ConnIDs (five times the slots), each decoded three times in turn, read back exactly', () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => hex(0x0066_0194_0000_0000n + BigInt(i) * 0x1_0001n));
    const frames = ids.map((ConnID, i) =>
      encodeFrame(EVENT_ESTABLISHED, { ThisDN: '7001', ConnID, UserData: [['previous', { connid: ids[(i + 1) % ids.length]! }]] }),
    );
    const seen: [unknown, unknown][] = [];
    const decoder = new FrameDecoder({
      onMessage: (m) => seen.push([m.attributes.ConnID, (m.attributes.UserData as [string, { connid: string }][])[0]![1].connid]),
      onError: (e) => {
        throw e;
      },
    });
    for (let round = 0; round < 3; round++) decoder.push(Buffer.concat(frames));
    expect(seen).toHaveLength(3 * ids.length);
    seen.forEach(([connId, inList], k) => {
      const i = k % ids.length;
      expect(connId).toBe(ids[i]);
      expect(inList).toBe(ids[(i + 1) % ids.length]);
    });
  });

  it('all-zero and all-ones bytes, and ConnIDs differing in one byte only', () => {
    const ids = ['0000000000000000', 'ffffffffffffffff', '0000000000000001', '0100000000000000', '0000000100000000'];
    for (let round = 0; round < 2; round++) {
      for (const ConnID of ids) expect(decodeFrame(encodeFrame(EVENT_ESTABLISHED, { ConnID })).attributes.ConnID).toBe(ConnID);
    }
  });

  it('any sequence of ConnIDs, repeats included, decodes to what was encoded', () => {
    const connId = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(hex);
    fc.assert(
      fc.property(fc.array(fc.oneof(connId, fc.constantFrom('00660194000000aa', '00660194000004aa')), { maxLength: 200 }), (ids) => {
        for (const ConnID of ids) expect(decodeFrame(encodeFrame(EVENT_ESTABLISHED, { ConnID })).attributes.ConnID).toBe(ConnID);
      }),
      { numRuns: 200 },
    );
  });
});
