/**
 * What the package promises its consumers and contributors, checked where it is written down:
 * package.json fields, LICENSE, .gitignore, the fast test set, the lint step in CI. (.ci/run also
 * packs the tarball and runs publint and @arethetypeswrong/cli on it.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fastConfig, { SLOW_TESTS } from '../../vitest.fast.config.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const pkg = JSON.parse(read('package.json')) as Record<string, unknown> & { scripts: Record<string, string>; files: string[] };

describe('package.json', () => {
  it('ships a license, says where the source lives, and has no side effects on import', () => {
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
    expect(pkg.files).toContain('LICENSE');
    expect(pkg.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\//) });
    expect(pkg.sideEffects).toBe(false);
  });

  it('ships no source maps (they would point at src/, which is not shipped)', () => {
    expect(read('tsup.config.ts')).toMatch(/sourcemap: false/);
    expect(pkg.files.some((f) => f.endsWith('.map'))).toBe(false);
  });

  it('npm test runs everything; test:fast, lint and format exist; a pack builds first', () => {
    expect(pkg.scripts.test).toBe('vitest run');
    expect(pkg.scripts['test:fast']).toBe('vitest run --config vitest.fast.config.ts');
    expect(pkg.scripts.lint).toMatch(/^biome lint/);
    expect(pkg.scripts.format).toMatch(/^biome format --write/);
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

  it('.gitignore keeps packed tarballs out', () => {
    expect(read('.gitignore').split('\n')).toContain('*.tgz');
  });

  it('.ci/run lints, checks the packed tarball, type-checks and runs the README snippet from it', () => {
    const ci = read('.ci/run');
    for (const step of [
      'npx biome ci .',
      'npm run docs:api',
      'npm pack',
      'npx publint',
      'npx attw',
      'readme-blocks.mjs',
      'drive-quickstart.mjs',
      'npm test',
    ])
      expect(ci).toContain(step);
    // The snippet type-checks on the TypeScript this repository pins and on the latest 7.x.
    expect(ci).toMatch(/typescript@7/);
  });
});

describe('npm run test:fast', () => {
  it('leaves out only fuzz, soak and process-spawning tests, each of which exists', () => {
    for (const pattern of SLOW_TESTS) {
      const path = pattern.replace(/\/\*\*$/, '');
      expect(existsSync(new URL(path, ROOT)), pattern).toBe(true);
    }
    const exclude = (fastConfig as { test: { exclude: string[] } }).test.exclude;
    for (const pattern of SLOW_TESTS) expect(exclude).toContain(pattern);
    expect(exclude).not.toContain('test/connection/**');
  });
});

describe('examples', () => {
  const dir = new URL('examples/', ROOT);
  const files = readdirSync(dir).filter((f) => /\.(ts|mjs)$/.test(f));

  it('each can be copied into an app: it imports tlib-client (and Node built-ins) only, no file of this repository', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    expect(existsSync(new URL('lib/', dir))).toBe(false);
    for (const f of files) {
      const source = readFileSync(new URL(f, dir), 'utf8');
      const specifiers = [...source.matchAll(/^import [^;]*? from '([^']+)';$/gms)].map((m) => m[1]);
      expect(specifiers, f).toContain('tlib-client');
      for (const s of specifiers)
        expect(s, `${f} imports ${s}`).toMatch(/^(tlib-client(\/(simulator|ivr|gateway|browser))?|node:[a-z_/]+)$/);
    }
  });

  it('each .ts example opens with a comment saying what it shows and how to run it', () => {
    for (const f of files.filter((name) => name.endsWith('.ts'))) {
      const head = /^\/\*\*\n([\s\S]*?)\*\//.exec(readFileSync(new URL(f, dir), 'utf8'))?.[1];
      expect(head, `${f} starts with a doc comment`).toBeDefined();
      expect(head, f).toContain(`npx tsx examples/${f}`);
    }
  });
});
