/**
 * examples/async-iterator.ts — consuming events with `for await`, stopped by an AbortSignal.
 *
 * Shows: `conn.events({ signal })` as an async iterator; events are buffered while the loop body
 * awaits, so a slow body loses nothing; the loop ends when the signal aborts (here: our own
 * AbortController, or a time limit from AbortSignal.timeout, combined with AbortSignal.any) or when
 * the connection closes. `break` ends it too. Narrowing on `e.Event` gives typed attributes.
 *
 * Run against the in-process simulator (3 calls ring DN 1001 and are released; the loop stops
 * itself after the third EventReleased; exits 0):
 *   npx tsx examples/async-iterator.ts
 * Against a real T-Server (prints events on the DN for --seconds, default 30, or until Ctrl-C):
 *   npx tsx examples/async-iterator.ts --primary 127.0.0.1:7000 [--dn 1001] [--seconds 30]
 */
import { TServerConnection } from '../src/index.js';
import { formatEvent, say } from './lib/format.js';
import { parseExampleArgs, run, sleep, startTarget, watchdog } from './lib/target.js';

const USAGE = `usage: npx tsx examples/async-iterator.ts [--primary host:port [--backup host:port]] [--dn DN] [--seconds N]

Consumes events with for await (conn.events({ signal })), stopped by an AbortSignal.
Without --primary, starts a simulator pair in this process, rings DN 1001 three times and exits
after the third EventReleased. With --primary, prints the DN's events for --seconds (default 30)
or until Ctrl-C.`;

run(async () => {
  const args = parseExampleArgs(process.argv.slice(2), USAGE, { dn: { type: 'string' }, seconds: { type: 'string' } });
  const dn = (args.values.dn as string | undefined) ?? '1001';
  const seconds = Number(args.values.seconds ?? (args.primary ? 30 : 10));
  const target = await startTarget(args);
  const { pair, label } = target;
  if (pair) watchdog(20_000, 'async-iterator');

  const conn = new TServerConnection({ primary: target.primary, backup: target.backup, applicationName: 'async-iterator-example' });
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
    console.log(formatEvent(e, label));
    if (e.Event === 'EventRinging') {
      // e is EventRinging here: ConnID and ThisDN are typed, UserData is a kvlist.
      await sleep(20); // a slow body: events that arrive meanwhile wait in the iterator's buffer
    }
    if (e.Event === 'EventReleased' && pair && ++released === 3) stop.abort(new Error('three calls seen'));
  }
  const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  say(`loop ended after ${count} events: ${signal.aborted ? `signal aborted (${why})` : 'connection closed'}`);

  await conn.close();
  await target.stop();
  say('async-iterator done');
});
