/**
 * kvlist keys that are not valid UTF-8 (issue 21 item 1): the duplicate-key check is linear and the
 * warnings of one frame are bounded, whatever the keys. Checked against a plain reference (every
 * pair of entries compared) on random small kvlists, and at attacker sizes for the counts. The
 * event-loop bound over a socket is test/transport/hostile-keys.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, type DecodeWarning } from '../../src/codec/decoder.js';
import { MAX_WARNINGS_PER_FRAME } from '../../src/codec/format.js';
import { alternatingKeys, keysReadingAsReplacement, userEventWithKeys } from './wire-bytes.js';

const byCode = (ws: DecodeWarning[] | undefined, code: string) => (ws ?? []).filter((w) => w.code === code);

/** The groups of entries whose keys read alike but whose bytes differ, found by comparing every pair. */
function referenceCollisions(keys: Buffer[]): Array<{ first: number; second: number; entries: number; forms: number }> {
  const read = keys.map((k) => new TextDecoder().decode(k));
  const out = [];
  const done = new Set<string>();
  for (let i = 0; i < keys.length; i++) {
    if (done.has(read[i])) continue;
    done.add(read[i]);
    const members = keys.map((_, j) => j).filter((j) => read[j] === read[i]);
    const forms = new Map<string, number>();
    for (const j of members) if (!forms.has(keys[j].toString('hex'))) forms.set(keys[j].toString('hex'), j);
    if (forms.size < 2 || !members.some((j) => !Buffer.from(read[j]).equals(keys[j]))) continue;
    const firsts = [...forms.values()].sort((a, b) => a - b);
    out.push({ first: firsts[0], second: firsts[1], entries: members.length, forms: forms.size });
  }
  return out;
}

describe('kvlist keys read alike after U+FFFD replacement', () => {
  it('one warning per key read alike, naming its first two different entries, as the pairwise reference finds', () => {
    // Keys of 1–2 bytes from a set mixing ASCII, invalid bytes and the UTF-8 of U+FFFD itself.
    const keyArb = fc
      .array(fc.constantFrom(0x41, 0xff, 0xfe, 0x80, 0xef, 0xbf, 0xbd), { minLength: 1, maxLength: 3 })
      .map((b) => Buffer.from(b));
    fc.assert(
      fc.property(fc.array(keyArb, { minLength: 1, maxLength: 6 }), (keys) => {
        const m = decodeFrame(userEventWithKeys(keys));
        const expected = referenceCollisions(keys);
        const warnings = m.warnings ?? [];
        const invalid = keys.filter((k) => !Buffer.from(new TextDecoder().decode(k)).equals(k)).length;
        const total = invalid + expected.length;
        if (total > MAX_WARNINGS_PER_FRAME) {
          expect(warnings).toHaveLength(MAX_WARNINGS_PER_FRAME + 1);
          return;
        }
        expect(byCode(warnings, 'ERR_INVALID_UTF8')).toHaveLength(invalid);
        // In any order: one per key read alike.
        const got = byCode(warnings, 'ERR_KEY_COLLISION')
          .map((w) => {
            const d =
              /^UserData: entries (\d+) and (\d+) have different key bytes that both read as ".*?"(?: \((\d+) entries in (\d+) byte forms read so\))?$/su.exec(
                w.detail,
              );
            expect(d, w.detail).not.toBeNull();
            const [, first, second, entries = '2', forms = '2'] = d!;
            return `${first} ${second} ${entries} ${forms}`;
          })
          .sort();
        const want = expected.map((e) => `${e.first + 1} ${e.second + 1} ${e.entries} ${e.forms}`).sort();
        expect(got).toEqual(want);
      }),
      { numRuns: 2_000, seed: 211 },
    );
  });

  it('3,000 different keys all reading as U+FFFD: one collision, warnings bounded, the rest counted', () => {
    const m = decodeFrame(userEventWithKeys(keysReadingAsReplacement(3_000)));
    expect((m.attributes.UserData as unknown[]).length).toBe(3_000);
    const ws = m.warnings!;
    expect(ws).toHaveLength(MAX_WARNINGS_PER_FRAME + 1);
    expect(byCode(ws, 'ERR_INVALID_UTF8')).toHaveLength(MAX_WARNINGS_PER_FRAME);
    const summary = ws[MAX_WARNINGS_PER_FRAME];
    expect(summary.code).toBe('ERR_TOO_MANY_WARNINGS');
    expect(summary.attribute).toBe('UserData');
    // 3,000 invalid keys and one key read alike in 128 forms: 2,993 not listed.
    expect(summary.detail).toBe(
      `EventUserEvent: 2993 more defects not listed (2992 ERR_INVALID_UTF8, 1 ERR_KEY_COLLISION; the first in UserData); a frame lists at most ${MAX_WARNINGS_PER_FRAME}`,
    );
  });

  it('a 16 KB frame of keys alternating 0xFF/0xFE gives a bounded number of warnings (not one per pair)', () => {
    const f = userEventWithKeys(alternatingKeys(2_000));
    expect(f.length).toBeGreaterThan(16_000);
    const ws = decodeFrame(f).warnings!;
    expect(ws.length).toBeLessThanOrEqual(MAX_WARNINGS_PER_FRAME + 1);
    expect(ws.at(-1)!.detail).toMatch(/1993 more defects not listed \(1992 ERR_INVALID_UTF8, 1 ERR_KEY_COLLISION/);
  });

  it('few defects are all listed, and a collision reports how many entries share the key', () => {
    const m = decodeFrame(userEventWithKeys([Buffer.from([0xff]), Buffer.from([0xfe]), Buffer.from([0xff]), Buffer.from('\ufffd')]));
    const ws = m.warnings!;
    expect(ws.map((w) => w.code)).toEqual(['ERR_INVALID_UTF8', 'ERR_INVALID_UTF8', 'ERR_INVALID_UTF8', 'ERR_KEY_COLLISION']);
    expect(ws[3].detail).toBe(
      'UserData: entries 1 and 2 have different key bytes that both read as "\ufffd" (4 entries in 3 byte forms read so)',
    );
  });

  it('the bound is per frame: the next frame lists its own warnings', () => {
    decodeFrame(userEventWithKeys(keysReadingAsReplacement(100)));
    const ws = decodeFrame(userEventWithKeys([Buffer.from([0x41, 0xff])])).warnings!;
    expect(ws.map((w) => w.code)).toEqual(['ERR_INVALID_UTF8']);
  });
});
