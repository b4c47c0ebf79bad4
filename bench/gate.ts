/**
 * Figure 2b — what the connection's per-event work costs, in process (issue 17, step 4): the
 * decoder feeding one consumer is the baseline, and each row adds ONE piece of what
 * TServerConnection does per event today (or the cheaper form proposed for it), so its cost is
 * the difference. The connection itself is not timed here (Figure 2 times it end to end); these
 * rows tell the integrator what each change to its receive path is worth. CPU-time rates, trials
 * interleaved, one core.
 */
import EventEmitter from 'eventemitter3';
import { FrameDecoder, eventOf, type DecodedMessage } from '../src/codec/decoder.js';
import { encodeFrame } from '../src/codec/encoder.js';
import { messageByName } from '../src/protocol/catalogue.js';
import { validateEvent } from '../src/protocol/validate.js';
import { freshConsumer } from './lib/consume.js';
import { eventMix } from './lib/events.js';
import { fmtNum, fmtRate, median, table, type Bench, type BenchContext, type Figure } from './lib/report.js';

const N = 20_000;
const CHUNK = 64 * 1024;
let sink = 0;

type Step = (m: DecodedMessage) => void;
interface Row {
  name: string;
  /** What the row proposes, or what it costs today. */
  note: string;
  decoder: FrameDecoder;
  rates: number[];
}

/** A FrameDecoder whose every message goes through `step` (each row its own, for its own feedback). */
function row(name: string, note: string, makeStep: () => Step): Row {
  const step = makeStep();
  return {
    name,
    note,
    decoder: new FrameDecoder({
      onMessage: step,
      onError: (e) => {
        throw e;
      },
    }),
    rates: [],
  };
}

const spread = (m: DecodedMessage): { Event: string } & Record<string, unknown> => ({ Event: m.name!, Server: 'primary', ...m.attributes });

export const gateBench: Bench = {
  name: 'gate',
  title: "Figure 2b: the connection's per-event work, piece by piece (in process, CPU time)",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const events = eventMix(N);
    const stream = Buffer.concat(events.map((e) => encodeFrame(e.type, e.attributes)));
    const chunks: Buffer[] = [];
    for (let off = 0; off < stream.length; off += CHUNK) chunks.push(stream.subarray(off, off + CHUNK));
    const rows: Row[] = [
      row('decoder → consumer (baseline)', 'the floor', () => {
        const use = freshConsumer();
        return (m) => (sink += use(m.name!, m.attributes));
      }),
      row('+ { Event, Server, ...attributes } (spread)', "today's toEvent()", () => {
        const use = freshConsumer();
        return (m) => {
          const e = spread(m);
          sink += use(e.Event, e);
        };
      }),
      row('+ eventOf(m, name, server)', 'proposed toEvent()', () => {
        const use = freshConsumer();
        return (m) => {
          const e = eventOf(m, m.name!, 'primary');
          sink += use(e.Event as string, e);
        };
      }),
      row('+ spread + performance.now() per frame', "transport's lastReceived", () => {
        const use = freshConsumer();
        return (m) => {
          sink += performance.now() & 1;
          const e = spread(m);
          sink += use(e.Event, e);
        };
      }),
      row('+ spread + 2 messageByName() lookups', 'gate + session name checks', () => {
        const use = freshConsumer();
        return (m) => {
          sink += messageByName(m.name!)!.type + messageByName(m.name!)!.type;
          const e = spread(m);
          sink += use(e.Event, e);
        };
      }),
      row("+ spread + validateEvent() ('warn')", 'validation per event', () => {
        const use = freshConsumer();
        return (m) => {
          sink += validateEvent(m.name!, m.attributes).length;
          const e = spread(m);
          sink += use(e.Event, e);
        };
      }),
      row('+ spread + 4 emitter hops', 'transport → session → connection → user', () => {
        const use = freshConsumer();
        const hops = [new EventEmitter(), new EventEmitter(), new EventEmitter(), new EventEmitter()];
        hops[0].on('message', (m: DecodedMessage) => hops[1].emit('message', m));
        hops[1].on('message', (m: DecodedMessage) => hops[2].emit('message', m));
        hops[2].on('message', (m: DecodedMessage) => {
          const e = spread(m);
          hops[3].emit(e.Event, e);
        });
        for (const ev of new Set(events.map((x) => x.name)))
          hops[3].on(ev, (e: Record<string, unknown>) => (sink += use(e.Event as string, e)));
        return (m) => hops[0].emit('message', m);
      }),
      row('+ spread + known-call Map<ConnID, Set<DN>>', "the ledger's learn()", () => {
        const use = freshConsumer();
        const calls = new Map<string, Set<string>>();
        return (m) => {
          const e = spread(m);
          const c = e.ConnID as string | undefined;
          const dn = e.ThisDN as string;
          if (c !== undefined) {
            if (e.Event === 'EventReleased') {
              const on = calls.get(c);
              if (on) {
                on.delete(dn);
                if (on.size === 0) calls.delete(c);
              }
            } else {
              let on = calls.get(c);
              if (!on) calls.set(c, (on = new Set()));
              on.add(dn);
            }
          }
          sink += use(e.Event, e);
        };
      }),
      row('+ spread + known calls, one DN as a string', 'the ledger, proposed: a Set only for 2+ DNs', () => {
        const use = freshConsumer();
        const calls = new Map<string, string | Set<string>>();
        return (m) => {
          const e = spread(m);
          const c = e.ConnID as string | undefined;
          const dn = e.ThisDN as string;
          if (c !== undefined) {
            const on = calls.get(c);
            if (e.Event === 'EventReleased') {
              if (on === dn) calls.delete(c);
              else if (on !== undefined && typeof on !== 'string') {
                on.delete(dn);
                if (on.size === 0) calls.delete(c);
              }
            } else if (on === undefined) calls.set(c, dn);
            else if (typeof on === 'string') {
              if (on !== dn) calls.set(c, new Set([on, dn]));
            } else on.add(dn);
          }
          sink += use(e.Event, e);
        };
      }),
      row("all of today's pieces above (spread)", 'today, approximately', () => {
        const use = freshConsumer();
        const calls = new Map<string, Set<string>>();
        const hops = [new EventEmitter(), new EventEmitter(), new EventEmitter(), new EventEmitter()];
        hops[0].on('message', (m: DecodedMessage) => hops[1].emit('message', m));
        hops[1].on('message', (m: DecodedMessage) => hops[2].emit('message', m));
        hops[2].on('message', (m: DecodedMessage) => {
          sink += messageByName(m.name!)!.type + messageByName(m.name!)!.type;
          sink += validateEvent(m.name!, m.attributes).length;
          const e = spread(m);
          const c = e.ConnID as string | undefined;
          if (c !== undefined) {
            let on = calls.get(c);
            if (!on) calls.set(c, (on = new Set()));
            if (e.Event === 'EventReleased') calls.delete(c);
            else on.add(e.ThisDN as string);
          }
          hops[3].emit(e.Event, e);
        });
        for (const ev of new Set(events.map((x) => x.name)))
          hops[3].on(ev, (e: Record<string, unknown>) => (sink += use(e.Event as string, e)));
        return (m) => {
          sink += performance.now() & 1;
          hops[0].emit('message', m);
        };
      }),
      row('the same, proposed: eventOf, 1 hop, no now()', 'after the redesign, approximately', () => {
        const use = freshConsumer();
        const calls = new Map<string, Set<string>>();
        const user = new EventEmitter();
        for (const ev of new Set(events.map((x) => x.name)))
          user.on(ev, (e: Record<string, unknown>) => (sink += use(e.Event as string, e)));
        return (m) => {
          sink += validateEvent(m.name!, m.attributes).length;
          const e = eventOf(m, m.name!, 'primary');
          const c = e.ConnID as string | undefined;
          if (c !== undefined) {
            let on = calls.get(c);
            if (!on) calls.set(c, (on = new Set()));
            if (e.Event === 'EventReleased') calls.delete(c);
            else on.add(e.ThisDN as string);
          }
          user.emit(e.Event as string, e);
        };
      }),
    ];
    const trialMs = ctx.quick ? 80 : 200;
    const pass = (r: Row) => {
      for (let i = 0; i < chunks.length; i++) r.decoder.push(chunks[i]);
    };
    for (const r of rows) pass(r); // warm-up
    for (let t = 0; t < ctx.trials; t++) {
      for (const r of rows) {
        let passes = 0;
        const start = performance.now();
        const cpu0 = process.cpuUsage();
        do {
          pass(r);
          passes++;
        } while (performance.now() - start < trialMs);
        const cpu = process.cpuUsage(cpu0);
        r.rates.push((passes * N) / ((cpu.user + cpu.system) / 1e6));
      }
    }
    const base = median(rows[0].rates);
    const nsPer = (rate: number) => 1e9 / rate;
    ctx.log(
      table(
        ['per event', 'events/s (median)', 'range', 'ns/event', 'added ns/event', 'what it is'],
        rows.map((r) => {
          const m = median(r.rates);
          return [
            r.name,
            fmtRate(m),
            `${fmtRate(Math.min(...r.rates))}–${fmtRate(Math.max(...r.rates))}`,
            fmtNum(nsPer(m), 0),
            r === rows[0] ? '—' : fmtNum(nsPer(m) - nsPer(base), 0),
            r.note,
          ];
        }),
      ),
    );
    ctx.log(`(events per second of CPU time; median of ${ctx.trials} interleaved trials; sink ${sink % 10})`);
    const today = median(rows[rows.length - 2].rates);
    const proposed = median(rows[rows.length - 1].rates);
    return [
      {
        id: 'gate.proposed',
        value: Math.round(proposed),
        unit: 'events/s',
        extra: {
          today: Math.round(today),
          decoder_only: Math.round(base),
          spread_ns: Math.round(nsPer(median(rows[1].rates)) - nsPer(base)),
          eventOf_ns: Math.round(nsPer(median(rows[2].rates)) - nsPer(base)),
        },
        ratio: { value: proposed / today, baseline: "today's pieces (spread, 4 hops, now(), 2 lookups)" },
        target: 'none (guides the connection-side changes)',
        met: undefined,
        candidates: Object.fromEntries(rows.map((r) => [r.name, Math.round(median(r.rates))])),
      },
    ];
  },
};
