/**
 * The ConnIDs a DN is on, with O(1) add/remove and O(1) snapshots (made when a DN view is built).
 * A DN view must hold the list as it was, but copying it at every change costs O(calls) per event —
 * a routing point with thousands of calls, or a flooding server, would pay that on each one. So
 * while views are being made, entries carry the versions they were added and removed at, a
 * snapshot keeps (log, version), and the frozen array is made only when someone reads it. The log
 * is compacted into a new array when half of it is removed entries; old snapshots keep the old
 * array, whose entries they still read correctly (later changes only set removedAt past them).
 * While nobody makes views the log is dropped and a Set alone is kept: no entry per call.
 */
import { SmallMap } from './small-map.js';

interface Entry {
  readonly connId: string;
  readonly addedAt: number;
  removedAt: number;
}

export class CallList {
  private readonly live = new SmallMap<true>();
  /** The versioned log and its live entries, while views take snapshots. */
  private log: Entry[] | undefined;
  private entries: Map<string, Entry> | undefined;
  private version = 0;
  /** Snapshots taken since the log was last compacted: none → the log is dropped at compaction. */
  private snapshots = 0;
  /** The version at the last snapshot (the list a DN view shows). */
  private markedAt = 0;
  /** Membership changes since the snapshot that were not undone since. */
  private delta = 0;

  get size(): number {
    return this.live.size;
  }

  has(connId: string): boolean {
    return this.live.has(connId);
  }

  keys(): Iterable<string> {
    return this.live.keys();
  }

  /** Returns whether the list changed. */
  add(connId: string): boolean {
    if (this.live.has(connId)) return false;
    this.live.set(connId, true);
    this.version++;
    this.delta++;
    if (this.log !== undefined) {
      const entry: Entry = { connId, addedAt: this.version, removedAt: Infinity };
      this.log.push(entry);
      this.entries!.set(connId, entry);
    }
    return true;
  }

  delete(connId: string): boolean {
    if (!this.live.delete(connId)) return false;
    this.version++;
    const entry = this.entries?.get(connId);
    if (entry === undefined) {
      this.delta++; // no log: counted as a change (only a view made since would know better)
      return true;
    }
    entry.removedAt = this.version;
    this.entries!.delete(connId);
    this.delta += entry.addedAt > this.markedAt ? -1 : 1;
    if (this.log!.length > 2 * this.live.size + 8) this.compact();
    return true;
  }

  private compact(): void {
    if (this.snapshots === 0) {
      this.log = undefined;
      this.entries = undefined;
    } else {
      this.log = this.log!.filter((e) => e.removedAt === Infinity);
      this.snapshots = 0;
    }
  }

  /** True when the list differs from the one at the last snapshot (a re-added ConnID counts as a change). */
  changedSinceMark(): boolean {
    return this.delta !== 0;
  }

  /** A function giving the list as it is now, frozen, computed on first call; marks the list. */
  snapshot(): () => readonly string[] {
    if (this.log === undefined) {
      this.log = [];
      this.entries = new Map();
      for (const connId of this.live.keys()) {
        const entry: Entry = { connId, addedAt: 0, removedAt: Infinity };
        this.log.push(entry);
        this.entries.set(connId, entry);
      }
    }
    this.snapshots++;
    const log = this.log;
    const at = this.version;
    this.delta = 0;
    this.markedAt = at;
    let memo: readonly string[] | undefined;
    return () => (memo ??= Object.freeze(log.filter((e) => e.addedAt <= at && e.removedAt > at).map((e) => e.connId)));
  }
}
