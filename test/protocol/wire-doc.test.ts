/**
 * docs/wire-protocol.md shows what the code does: its catalogue tables are those the catalogue
 * gives (regenerate with `npx tsx test/protocol/wire-doc-codegen.ts --write`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sectionOf } from './doc-sections.js';
import { WIRE_DOC_FILE, WIRE_SECTIONS, wireDocSection } from './wire-doc-codegen.js';

describe('docs/wire-protocol.md', () => {
  const page = readFileSync(WIRE_DOC_FILE, 'utf8');
  for (const name of WIRE_SECTIONS) {
    it(`the ${name} table is the catalogue's (stale: run \`npx tsx test/protocol/wire-doc-codegen.ts --write\`)`, () => {
      expect(sectionOf(page, name)).toBe(wireDocSection(name));
    });
  }

  it('lists the 1.2 requests with their type numbers, and no longer as known by name only', () => {
    const requests = sectionOf(page, 'requests');
    for (const row of [
      '| 15 | RequestMakePredictiveCall (1.2) |',
      '| 24 | RequestMuteTransfer (1.2) |',
      '| 27 | RequestMergeCalls (1.2) |',
    ]) {
      expect(requests).toContain(row);
    }
    expect(requests).toContain('| 45 | RequestCollectDigits (1.2) |');
    expect(requests).toContain('| 120 | RequestSingleStepConference (1.2) |');
    expect(sectionOf(page, 'known-by-name')).not.toMatch(/MakePredictiveCall|DigitsCollected|SingleStepConference/);
  });
});
