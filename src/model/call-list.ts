/**
 * The ConnIDs a DN is on, with O(1) add/remove and O(1) snapshots (made when a DN view is built). A DN view must hold the list as
 * it was, but copying it on every change costs O(calls) per event — a routing point with thousands
 * of calls, or a flooding server, would pay that on each one. So entries carry the versions they
 * were added and removed at, a snapshot keeps (log, version), and the frozen array is made only
 * when someone reads it. The log is compacted into a new array when half of it is removed
 * entries; old snapshots keep the old array, whose entries they still read correctly.
 */
interface Entry {
  readonly connId: string;
  readonly addedAt: number;
  removedAt: number;
}

export class CallList {
  private log: Entry[] = [];
  private readonly live = new Map<string, Entry>();
  private version = 0;
  /** The version at the last mark() (the list a DN view shows). */
  private markedAt = 0;
  /** Membership changes since the mark that were not undone since. */
  private delta = 0;

  get size(): number {
    return this.live.size;
  }

  has(connId: string): boolean {
    return this.live.has(connId);
  }

  keys(): IterableIterator<string> {
    return this.live.keys();
  }

  /** Returns whether the list changed. */
  add(connId: string): boolean {
    if (this.live.has(connId)) return false;
    const entry: Entry = { connId, addedAt: ++this.version, removedAt: Infinity };
    this.log.push(entry);
    this.live.set(connId, entry);
    this.delta++;
    return true;
  }

  delete(connId: string): boolean {
    const entry = this.live.get(connId);
    if (!entry) return false;
    entry.removedAt = ++this.version;
    this.live.delete(connId);
    this.delta += entry.addedAt > this.markedAt ? -1 : 1;
    if (this.log.length > 2 * this.live.size + 32) this.log = this.log.filter((e) => e.removedAt === Infinity);
    return true;
  }

  /** True when the list differs from the one at the last mark() (a re-added ConnID counts as a change). */
  changedSinceMark(): boolean {
    return this.delta !== 0;
  }

  /** A function giving the list as it is now, frozen, computed on first call; marks the list. */
  snapshot(): () => readonly string[] {
    const log = this.log;
    const at = this.version;
    this.delta = 0;
    this.markedAt = at;
    let memo: readonly string[] | undefined;
    return () => (memo ??= Object.freeze(log.filter((e) => e.addedAt <= at && e.removedAt > at).map((e) => e.connId)));
  }
}
