/**
 * The frozen views users read, built from the records only when someone reads them (conn.calls,
 * conn.dns) or listens for changes, and kept until the record changes again (a version per
 * record). A routing point's stream of call events costs no view at all while nobody looks.
 */
import { dnKeyed } from './dn-keyed.js';
import type { CallRecord, DNRecord } from './records.js';
import type { CallView, DNView } from './types.js';
import { freezeKV } from './user-data.js';

const NONE: readonly string[] = Object.freeze([]);

export function buildCallView(rec: CallRecord): CallView {
  const parties = dnKeyed(rec.parties.entries());
  if (rec.userData !== undefined && !rec.userDataFrozen) {
    rec.userData = freezeKV(rec.userData);
    rec.userDataFrozen = true;
  }
  const others = rec.others === undefined ? NONE : Object.freeze(rec.others.filter((dn) => !rec.parties.has(dn)));
  return Object.freeze({
    connId: rec.connId,
    parties: Object.freeze(parties) as CallView['parties'],
    otherParties: others,
    callType: rec.callType,
    callState: rec.callState,
    ani: rec.ani,
    dnis: rec.dnis,
    userData: rec.userData,
    previousConnIds: rec.previous === undefined ? NONE : Object.freeze([...rec.previous]),
    startedAt: rec.startedAt,
  });
}

/** `calls` is read from a snapshot of the DN's call list, made into an array on first read. */
export function buildDNView(rec: DNRecord): DNView {
  const calls = rec.calls?.snapshot();
  return Object.freeze({
    dn: rec.dn,
    agent: rec.agent,
    dnd: rec.dnd,
    forward: rec.forward,
    get calls() {
      return calls === undefined ? NONE : calls();
    },
  });
}

/** A ReadonlyMap over records whose values are views made on demand (conn.calls, conn.dns). */
export class ViewMap<R, V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly records: ReadonlyMap<string, R>,
    private readonly view: (rec: R, key: string) => V,
  ) {}

  get size(): number {
    return this.records.size;
  }

  get(key: string): V | undefined {
    const rec = this.records.get(key);
    return rec === undefined ? undefined : this.view(rec, key);
  }

  has(key: string): boolean {
    return this.records.has(key);
  }

  keys(): MapIterator<string> {
    return this.records.keys();
  }

  *values(): MapIterator<V> {
    for (const [key, rec] of this.records) yield this.view(rec, key);
  }

  *entries(): MapIterator<[string, V]> {
    for (const [key, rec] of this.records) yield [key, this.view(rec, key)];
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, rec] of this.records) fn.call(thisArg, this.view(rec, key), key, this);
  }

  get [Symbol.toStringTag](): string {
    return 'ViewMap';
  }
}
