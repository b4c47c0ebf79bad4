/**
 * The request path's own cost, without sockets or a server: RequestRouter create → submit → send
 * to a sink that keeps the frame's attributes → answerFor → settle → the promise's callback, in
 * CPU time (`process.cpuUsage()`, every thread), ns per request, median of the rounds. On the
 * socket figures (`e2e`) a change of a few hundred ns per request is inside the run-to-run spread;
 * here it is not. To compare two trees, run this in each, in turns:
 *
 *   npx tsx bench/lib/request-cost.ts pipelined 600    # 1,000 in flight, all answered, per round
 *   npx tsx bench/lib/request-cost.ts sequential 100   # one at a time, each answer on a later turn
 */
import { laneWindows, RequestRouter } from '../../src/connection/requests/router.js';

const mode = process.argv[2] ?? 'pipelined';
const rounds = Number(process.argv[3] ?? (mode === 'sequential' ? 100 : 600));
const PER_ROUND = 1_000;

const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
const sent: Record<string, unknown>[] = [];
const sink = {
  name: 'sink',
  isOpen: true,
  linkUp: true,
  send(_type: number, attributes: Record<string, unknown>): void {
    sent.push(attributes);
  },
};
const router = new RequestRouter({ owner: {}, requestTimeoutMs: 10_000, windows: laneWindows(PER_ROUND, PER_ROUND), route: () => sink });
const USER = { lane: 'user', deliverAnswer: true, target: undefined } as const;
let used = 0;

function answer(attributes: Record<string, unknown>): void {
  const event = { Event: 'EventAddressInfo', ReferenceID: attributes.ReferenceID, ThisDN: attributes.ThisDN };
  const p = router.answerFor(sink, 'EventAddressInfo', event);
  if (p) router.settle(p, event);
}

async function pipelinedRound(): Promise<void> {
  const all: Promise<void>[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const p = router.create('RequestQueryAddress', { ThisDN: String(70_000 + (i % 100)) }, {}, USER);
    router.submit(p);
    all.push(p.promise.then((e) => void (used += e.ReferenceID as number)));
  }
  for (const a of sent) answer(a);
  sent.length = 0;
  await Promise.all(all);
}

async function sequentialRound(): Promise<void> {
  for (let i = 0; i < PER_ROUND; i++) {
    const p = router.create('RequestQueryAddress', { ThisDN: String(70_000 + (i % 100)) }, {}, USER);
    router.submit(p);
    const a = sent.pop()!;
    await new Promise((r) => setImmediate(r)); // the answer comes on a later turn, as from a socket
    answer(a);
    used += (await p.promise).ReferenceID as number;
  }
}

const per: number[] = [];
for (let r = 0; r < rounds; r++) {
  const c0 = cpuNs();
  await (mode === 'sequential' ? sequentialRound() : pipelinedRound());
  per.push((cpuNs() - c0) / PER_ROUND);
}
per.sort((a, b) => a - b);
const q = (f: number) => per[Math.min(per.length - 1, Math.floor(per.length * f))].toFixed(0);
console.log(
  `request path, ${mode}: ${q(0.5)} ns of CPU per request (median of ${rounds} rounds; quartiles ${q(0.25)}–${q(0.75)}) [${used % 10}]`,
);
router.rejectAll(new Error('done'));
