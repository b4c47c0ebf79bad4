/**
 * CHANGELOG.md keeps the Keep a Changelog shape: `## [Unreleased]` on top, then released versions
 * newest first with a date, each with at most one heading per kind of change, in the usual order,
 * and a link for every version heading.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const changelog = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
const KINDS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];

/** Each `## ` section with the `### ` headings under it, in order. */
function sections(): Array<{ title: string; kinds: string[] }> {
  const out: Array<{ title: string; kinds: string[] }> = [];
  for (const line of changelog.split('\n')) {
    if (line.startsWith('## ')) out.push({ title: line.slice(3), kinds: [] });
    else if (line.startsWith('### ')) out.at(-1)?.kinds.push(line.slice(4));
  }
  return out;
}

describe('CHANGELOG.md', () => {
  it('has [Unreleased] on top, then released versions with their date', () => {
    const titles = sections().map((s) => s.title);
    expect(titles[0]).toBe('[Unreleased]');
    expect(titles).toContain('[0.1.0] - 2026-11-29');
    for (const t of titles.slice(1)) expect(t).toMatch(/^\[\d+\.\d+\.\d+\] - \d{4}-\d\d-\d\d$/);
  });

  it('has one heading per kind of change in each section, in the usual order', () => {
    for (const { title, kinds } of sections()) {
      for (const k of kinds) expect(KINDS, `${title}: ### ${k}`).toContain(k);
      expect(new Set(kinds).size, `${title} repeats a heading: ${kinds.join(', ')}`).toBe(kinds.length);
      expect(kinds, title).toEqual([...kinds].sort((a, b) => KINDS.indexOf(a) - KINDS.indexOf(b)));
    }
  });

  it('links every version heading', () => {
    for (const { title } of sections()) {
      const version = /^\[([^\]]+)\]/.exec(title)?.[1];
      expect(changelog, title).toMatch(new RegExp(`^\\[${version?.replace(/\./g, '\\.')}\\]: https://`, 'm'));
    }
  });
});
