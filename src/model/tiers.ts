/**
 * The eviction order of the state model's calls: one least-recently-touched list per rank, linked
 * through the records themselves. Touching a call moves it to the young end by relinking two
 * neighbours — no Map re-insertion, no allocation — so it costs nothing per event.
 */

/**
 * How sure the model is that the user cares about a call, lowest evicted first:
 * 0 offered only (ringing, queued, routing, or listed by an answer nobody asked for);
 * 1 confirmed by the server's word (a registered DN dialling, talking or holding; a requested query);
 * 2 confirmed by the user's own request (an event answering it, which carries its ReferenceID).
 */
export type Rank = 0 | 1 | 2;
export const RANKS = 3;

export interface Linked {
  rank: Rank;
  older: Linked | undefined;
  younger: Linked | undefined;
}

export class Tier {
  oldest: Linked | undefined;
  youngest: Linked | undefined;
  size = 0;

  push(rec: Linked): void {
    rec.older = this.youngest;
    rec.younger = undefined;
    if (this.youngest) this.youngest.younger = rec;
    else this.oldest = rec;
    this.youngest = rec;
    this.size++;
  }

  remove(rec: Linked): void {
    if (rec.older) rec.older.younger = rec.younger;
    else this.oldest = rec.younger;
    if (rec.younger) rec.younger.older = rec.older;
    else this.youngest = rec.older;
    rec.older = rec.younger = undefined;
    this.size--;
  }

  /** Moves `rec` (in this tier) to the young end: six field writes, the size unchanged. */
  touch(rec: Linked): void {
    const younger = rec.younger;
    if (younger === undefined) return; // the youngest already
    const older = rec.older;
    younger.older = older;
    if (older !== undefined) older.younger = younger;
    else this.oldest = younger;
    const youngest = this.youngest!;
    youngest.younger = rec;
    rec.older = youngest;
    rec.younger = undefined;
    this.youngest = rec;
  }
}
