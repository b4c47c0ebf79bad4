/**
 * examples/ha-events.ts — every high-availability moment, as a user of the SDK sees it.
 *
 * Prints EventServerConnected / EventServerDisconnected, EventPrimaryChanged, EventLinkConnected /
 * EventLinkDisconnected, 'resynced' (with its summary), 'reconnectFailed', and `conn.state`
 * whenever the active or standby server changes. Other events are counted, not printed.
 *
 * Against the in-process simulator pair it drives four scenarios and checks the order in which the
 * events arrive (exit 1 if it is not the documented one):
 *   1. a CTI-link flap on the primary:   EventLinkDisconnected, EventLinkConnected
 *   2. a graceful switchover:            EventPrimaryChanged, resynced
 *   3. the primary killed while the backup's CTI link is down (the link-event order rule):
 *        EventServerDisconnected, EventLinkDisconnected, EventPrimaryChanged,
 *        then, when the new primary's link comes up: EventLinkConnected, resynced
 *   4. the dead server restarted: it comes back as backup; the SDK reopens a standby session
 *
 * Run:  npx tsx examples/ha-events.ts
 *       npx tsx examples/ha-events.ts --primary 127.0.0.1:7000 [--backup 127.0.0.1:7001] [--dn 1001]
 *       (against a real pair: prints HA events until Ctrl-C)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type ConnectionState, TServerConnection, type TEvent, formatEventLine } from 'tlib-client';
import { HotStandbyPair } from 'tlib-client/simulator';

const HA_EVENTS = new Set([
  'EventServerConnected',
  'EventServerDisconnected',
  'EventPrimaryChanged',
  'EventLinkConnected',
  'EventLinkDisconnected',
]);

const { values } = parseArgs({ options: { primary: { type: 'string' }, backup: { type: 'string' }, dn: { type: 'string' } } });
const dn = values.dn ?? '1001';
const say = (text: string) => console.log(`== ${text}`);
// Without --primary, a simulated hot-standby pair runs in this process and the scenarios below are driven on it.
const pair = values.primary ? undefined : await HotStandbyPair.start();
const names = new Map(pair ? [pair.a, pair.b].map((s) => [s.url, s.name]) : []);
const label = (server: string) => names.get(server) ?? server;

await (async () => {
  const conn = new TServerConnection({
    primary: values.primary ?? pair!.addresses.primary,
    // No backup given: the primary names it in EventRestoreConnection and the SDK opens a standby session.
    backup: values.backup,
    applicationName: 'ha-events-example',
    addp: { timeoutMs: 1_000, remoteTimeoutMs: 1_000 },
    reconnect: { minTimeoutMs: 100, maxTimeoutMs: 1_000 },
  });

  // What happened, in order: HA event names and 'resynced'. Each scenario checks its slice.
  const log: string[] = [];
  let others = 0;
  conn.on('event', (e: TEvent) => {
    if (!HA_EVENTS.has(e.Event)) {
      others++;
      return;
    }
    log.push(e.Event);
    console.log(formatEventLine(e, new Date(), label));
  });
  conn.on('resynced', (s) => {
    log.push('resynced');
    say(
      `'resynced' on ${label(s.server)}: ${s.dns} DN(s), ${s.calls} call(s) queried in ${s.durationMs.toFixed(1)} ms, ${s.errors.length} error(s)`,
    );
  });
  conn.on('reconnectFailed', (f) => say(`reconnect attempt ${f.attempt} to ${label(f.server)} failed: ${f.error.message}`));
  let last = '';
  conn.on('stateChange', (s: ConnectionState) => {
    const key = `${s.status}|${s.active}|${s.standby}`;
    if (key === last) return;
    last = key;
    say(`conn.state: ${s.status} · active ${label(s.active ?? 'none')} · standby ${label(s.standby ?? 'none')}`);
  });

  await conn.open();
  await conn.registerAddress(dn);
  say(`DN ${dn} registered`);

  if (!pair) {
    say('printing HA events; Ctrl-C to stop');
    await new Promise((resolve) => process.once('SIGINT', resolve));
    await conn.close();
    return;
  }

  await waitFor(() => conn.state.standby !== undefined, 'the hot-standby session');

  /** Runs one scenario and checks the HA events it produced, in order. */
  const scenario = async (title: string, expected: string[], drive: () => Promise<void>) => {
    say(`--- ${title}`);
    const from = log.length;
    await drive();
    await waitFor(() => log.length - from >= expected.length, `${expected.join(', ')}`);
    await sleep(50); // anything unexpected that follows shows up in the comparison
    const got = log.slice(from);
    if (got.join() !== expected.join()) throw new Error(`${title}: expected ${expected.join(', ')} but got ${got.join(', ')}`);
    say(`order OK: ${got.join(' → ')}`);
  };

  await scenario('1. CTI link flap on the primary', ['EventLinkDisconnected', 'EventLinkConnected'], async () => {
    pair.setLink(pair.primary, false);
    await waitFor(() => log.at(-1) === 'EventLinkDisconnected', 'EventLinkDisconnected');
    pair.setLink(pair.primary, true);
  });

  await scenario('2. graceful switchover', ['EventPrimaryChanged', 'resynced'], () => pair.switchover());
  await waitFor(() => conn.state.standby !== undefined, 'the old primary as standby');

  await scenario(
    `3. kill of the primary ${pair.primary.name} while the backup ${pair.backup.name} has its CTI link down`,
    ['EventServerDisconnected', 'EventLinkDisconnected', 'EventPrimaryChanged', 'EventLinkConnected', 'resynced'],
    async () => {
      pair.setLink(pair.backup, false); // seen by the standby session only: users see nothing yet
      await sleep(50);
      await pair.killPrimary();
      await waitFor(() => log.at(-1) === 'EventPrimaryChanged', 'EventPrimaryChanged');
      say('registrations wait for the link; the resync waits for EventLinkConnected. Link up now:');
      pair.setLink(pair.primary, true);
    },
  );

  const dead = pair.a.isRunning ? pair.b : pair.a;
  say(`--- 4. ${dead.name} restarts and comes back as backup`);
  await pair.restart(dead);
  await waitFor(() => conn.state.standby === dead.url, `a standby session to ${dead.name}`);
  say(`standby session open again (${others} other events were not printed)`);

  await conn.close();
  await pair.stop();
  say('ha-events done');
})();

async function waitFor(ok: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(10);
  }
}
