/**
 * examples/async-iterator.ts — consuming events with `for await`, stopped by an AbortSignal.
 *
 * Shows: `conn.events({ signal })` as an async iterator; events are buffered while the loop body
 * awaits, so a slow body loses nothing; the loop ends when the signal aborts (here: our own
 * AbortController, or a time limit from AbortSignal.timeout, combined with AbortSignal.any) or when
 * the connection closes. `break` ends it too. Narrowing on `e.Event` gives typed attributes.
 *
 * Run against a simulator pair started in this process (3 calls ring DN 1001 and are released; the
 * loop stops itself after the third EventReleased; exits 0):
 *   npx tsx examples/async-iterator.ts
 * Against a real T-Server (prints the DN's events for --seconds, default 30, or until Ctrl-C):
 *   npx tsx examples/async-iterator.ts --primary 127.0.0.1:7000 [--backup 127.0.0.1:7001] [--dn 1001] [--seconds 30]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { TServerConnection, formatEventLine } from 'tlib-client';
import { HotStandbyPair } from 'tlib-client/simulator';

const { values } = parseArgs({
  options: { primary: { type: 'string' }, backup: { type: 'string' }, dn: { type: 'string' }, seconds: { type: 'string' } },
});
const dn = values.dn ?? '1001';
const seconds = Number(values.seconds ?? (values.primary ? 30 : 10));
const say = (text: string) => console.log(`== ${text}`);
// Without --primary, a simulated hot-standby pair runs in this process.
const pair = values.primary ? undefined : await HotStandbyPair.start();

const conn = new TServerConnection({
  primary: values.primary ?? pair!.addresses.primary,
  backup: values.backup ?? pair?.addresses.backup,
  applicationName: 'async-iterator-example',
});
await conn.open();
await conn.registerAddress(dn);

// Stop on our own decision, on a time limit, or on Ctrl-C: whichever comes first.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort(new Error('SIGINT')));
const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(seconds * 1000)]);
// The iterator listens from this line on (before any call is placed below).
const events = conn.events({ signal });

if (pair) {
  // The "switch": three calls, each released by the caller 100 ms after it rings.
  void (async () => {
    for (let i = 1; i <= 3; i++) {
      const connId = pair.primary.placeCall(dn, { from: `555020${i}`, userData: [['Attempt', i]] });
      await sleep(100);
      pair.primary.releaseCall(connId);
    }
  })();
}

let released = 0;
let count = 0;
say(`for await (const e of conn.events({ signal })) — up to ${seconds} s`);
for await (const e of events) {
  count++;
  console.log(formatEventLine(e));
  if (e.Event === 'EventRinging') {
    // e is EventRinging here: ConnID and ThisDN are typed, UserData is a kvlist.
    await sleep(20); // a slow body: events that arrive meanwhile wait in the iterator's buffer
  }
  if (e.Event === 'EventReleased' && pair && ++released === 3) stop.abort(new Error('three calls seen'));
}
const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
say(`loop ended after ${count} events: ${signal.aborted ? `signal aborted (${why})` : 'connection closed'}`);

await conn.close();
await pair?.stop();
say('async-iterator done');
