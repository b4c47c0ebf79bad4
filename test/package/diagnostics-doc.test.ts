/**
 * docs/diagnostics.md against src/connection/diagnostics.ts: every channel has its section, and
 * every payload field the source declares is in that section's table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTICS_CHANNELS } from '../../src/index.js';

const ROOT = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/diagnostics.md', ROOT), 'utf8');
const source = readFileSync(new URL('src/connection/diagnostics.ts', ROOT), 'utf8');

/** The payload fields declared for `name` in DiagnosticsMessages. */
function declaredFields(name: string): string[] {
  const body = new RegExp(`'${name}': \\{([^}]*)\\}`).exec(source)?.[1];
  if (!body) throw new Error(`no payload for ${name} in diagnostics.ts`);
  return [...body.matchAll(/(\w+)\??:/g)].map((m) => m[1]);
}

describe('docs/diagnostics.md', () => {
  it.each(Object.values(DIAGNOSTICS_CHANNELS))('documents %s with every payload field', (name) => {
    const start = doc.indexOf(`### \`${name}\``);
    expect(start, `a section for ${name}`).toBeGreaterThan(0);
    const section = doc.slice(start, doc.indexOf('\n### ', start + 1) >>> 0 || undefined);
    const fields = declaredFields(name);
    expect(fields).toContain('connection');
    for (const field of fields) expect(section, `${name}: ${field}`).toContain(`| \`${field}\` |`);
  });

  it('has a subscribe snippet and points at the metrics example', () => {
    expect(doc).toContain('diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.requestEnd');
    expect(doc).toContain('(../examples/metrics.ts)');
  });
});
