/**
 * `instanceof` across copies of the package: the ESM and the CommonJS builds loaded side by side
 * (as when an ESM app imports tlib-client and a CommonJS dependency requires it) each have their
 * own classes; the Symbol.for brand makes errors of one `instanceof` the classes of the other.
 * Both builds are made here with tsup (no types, a few seconds), so `npm test` needs no prior build.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as src from '../../src/index.js';

type Sdk = typeof src;
const ROOT = new URL('../../', import.meta.url);
const OUT = new URL(`.tmp/brand-${process.pid}/`, ROOT);
let esm: Sdk;
let cjs: Sdk;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  await build({
    config: false,
    entry: { index: new URL('src/index.ts', ROOT).pathname },
    format: ['esm', 'cjs'],
    outDir: OUT.pathname,
    target: 'node20',
    splitting: true,
    keepNames: true,
    dts: false,
    silent: true,
  });
  esm = (await import(pathToFileURL(`${OUT.pathname}index.js`).href)) as Sdk;
  cjs = createRequire(import.meta.url)(`${OUT.pathname}index.cjs`) as Sdk;
}, 60_000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('errors are instanceof across the ESM and CJS builds', () => {
  it('the two builds really are separate copies', () => {
    expect(esm.TlibError).not.toBe(cjs.TlibError);
    expect(Object.getPrototypeOf(new cjs.ConnectError('s', 'x'))).not.toBe(esm.ConnectError.prototype);
  });

  it('an error from one build is instanceof its class and TlibError in the other, and in src', () => {
    for (const [from, to] of [
      [cjs, esm],
      [esm, cjs],
      [cjs, src],
    ] as const) {
      const err = new from.ConnectError('127.0.0.1:7000', 'refused');
      expect(err instanceof to.ConnectError).toBe(true);
      expect(err instanceof to.TlibError).toBe(true);
      expect(err instanceof Error).toBe(true);
      // …but not of an unrelated class
      expect(err instanceof to.TServerError).toBe(false);
      expect(err instanceof to.InvalidStateError).toBe(false);
      const state = new from.InvalidStateError('open() called while open', 'open');
      expect(state instanceof to.InvalidStateError).toBe(true);
      expect(state instanceof to.InvalidArgumentError).toBe(false);
    }
  });

  it('non-errors and look-alikes are not instances', () => {
    for (const v of [null, undefined, 42, 'ERR_CONNECT', {}, new Error('x'), { code: 'ERR_CONNECT', name: 'ConnectError' }]) {
      expect(v instanceof esm.TlibError).toBe(false);
      expect(v instanceof esm.ConnectError).toBe(false);
    }
  });

  it('the brand is invisible: not enumerable, not in JSON, and name/code survive the bundler', () => {
    const err = new cjs.ConnectError('s', 'x');
    expect(Object.keys(err)).toEqual(['name', 'code', 'server']);
    expect(Object.getOwnPropertySymbols(err)).toHaveLength(1);
    expect(JSON.stringify(err)).toBe('{"name":"ConnectError","code":"ERR_CONNECT","server":"s"}');
    expect(err.name).toBe('ConnectError');
  });
});
