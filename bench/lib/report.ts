/**
 * Shared helpers for the benchmarks: statistics, tables, and the one-line summaries that close a
 * run. Benchmarks are not tests: nothing here fails on a missed target, it only says so.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** One headline figure of a benchmark, printed as the summary line at the end of the run. */
export interface Figure {
  /** Stable id, e.g. `codec.decode` (grep for it to compare runs). */
  id: string;
  /** The headline value, already rounded for display, and its unit. */
  value: number;
  unit: string;
  /** Extra key=value pairs on the summary line (p99, MB/s, ...). */
  extra?: Record<string, string | number>;
  /** value / baseline value (or baseline / value for "lower is better"), with the baseline's name. */
  ratio?: { value: number; baseline: string };
  /** The target, as written in issue 7 or issue 17, and whether this run met it. */
  target: string;
  met: boolean | undefined;
  /** Per candidate [min, max] over the trials (same unit as the candidate's figure), for the JSON file. */
  ranges?: Record<string, [number, number]>;
  /** Medians of every candidate of the comparison, for the JSON file. */
  candidates?: Record<string, number>;
}

export interface BenchContext {
  quick: boolean;
  /** Trials per figure (median reported). */
  trials: number;
  log: (line?: string) => void;
}

export interface Bench {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0–100) of a non-empty list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function fmtNum(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** 1234567 → "1.23 M", 45678 → "45.7 k". */
export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export function fmtBytes(b: number): string {
  const a = Math.abs(b);
  if (a >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(2)} MiB`;
  if (a >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b.toFixed(0)} B`;
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

/** A plain-text table; numbers are right-aligned, text left-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+0-9.,]/.test(String(r[c] ?? '')) || r[c] === '—'));
  const line = (r: string[]) =>
    r
      .map((v, c) => (numeric[c] && c > 0 ? (v ?? '').padStart(widths[c]) : (v ?? '').padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/**
 * `BENCH <id> <value> <unit> [k=v ...] ratio=<x>× vs <baseline> target="<...>" <met|MISSED|info>`:
 * one line per figure, stable so two runs can be diffed or grepped.
 */
export function summaryLine(f: Figure): string {
  const parts = [`BENCH ${f.id.padEnd(22)}`, `${formatValue(f.value)} ${f.unit}`];
  for (const [k, v] of Object.entries(f.extra ?? {})) parts.push(`${k}=${typeof v === 'number' ? formatValue(v) : v}`);
  if (f.ratio) parts.push(`ratio=${f.ratio.value.toFixed(2)}x vs ${f.ratio.baseline}`);
  parts.push(`target="${f.target}"`);
  parts.push(f.met === undefined ? 'info' : f.met ? 'met' : 'MISSED');
  return parts.join('  ');
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `check` returns a truthy value; rejects after `timeoutMs` naming `what`. */
export async function until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 5_000, stepMs = 1): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Like until(), for a check that must ask another thread or process. */
export async function untilAsync<T>(
  check: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 5_000,
  stepMs = 5,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

let collector: (() => void) | undefined;

/**
 * A full, synchronous garbage collection, with or without --expose-gc (V8's `gc` is then exposed
 * at run time, as the one builtin way to it): `times` collections in a row.
 */
export function collectGarbage(times = 1): void {
  if (!collector) {
    collector = (globalThis as { gc?: () => void }).gc;
    if (!collector) {
      v8.setFlagsFromString('--expose-gc');
      collector = vm.runInNewContext('gc') as () => void;
    }
  }
  for (let i = 0; i < times; i++) collector();
}

/** Calls `gc()` a few times when the process runs with --expose-gc; a no-op otherwise. */
export async function fullGc(): Promise<boolean> {
  if (!(globalThis as { gc?: () => void }).gc) return false;
  for (let i = 0; i < 4; i++) {
    collectGarbage();
    await new Promise((r) => setImmediate(r));
  }
  return true;
}

/** Heap and RSS of this process now, in MiB (RSS counts the worker threads and native memory too). */
export function memoryNow(): { heapMiB: number; rssMiB: number } {
  const m = process.memoryUsage();
  return { heapMiB: Number((m.heapUsed / 1048576).toFixed(1)), rssMiB: Number((m.rss / 1048576).toFixed(1)) };
}
