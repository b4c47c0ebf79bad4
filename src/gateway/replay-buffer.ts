/**
 * The messages a session keeps for a browser that reconnects: the newest ones, at most
 * `maxMessages` and `maxChars` (UTF-16 code units of JSON). A browser that comes back with a `seq`
 * still in here gets the messages after it; one that fell further behind gets a fresh snapshot.
 */
import { Fifo } from '../util/fifo.js';

export class ReplayBuffer {
  /** The kept messages, oldest first; a dropped one is no longer referenced. */
  private readonly texts = new Fifo<string>();
  private chars = 0;
  /** The seq of the oldest kept message; meaningful when the buffer is not empty. */
  private firstSeq = 1;
  /** The seq of the newest message pushed (0: none). */
  private lastSeq = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxChars: number,
  ) {}

  get size(): number {
    return this.texts.size;
  }

  get bufferedChars(): number {
    return this.chars;
  }

  /** Keeps the message numbered `seq` (one more than the previous). */
  push(seq: number, text: string): void {
    if (this.size === 0) this.firstSeq = seq;
    this.lastSeq = seq;
    this.texts.push(text);
    this.chars += text.length;
    while (this.size > this.maxMessages || (this.chars > this.maxChars && this.size > 0)) {
      this.chars -= this.texts.shift()!.length;
      this.firstSeq++;
    }
  }

  /**
   * The messages after `seq`, oldest first; [] when the browser saw everything; undefined when some
   * were dropped (or `seq` is not one this buffer numbered): then the browser needs a snapshot.
   */
  after(seq: number): string[] | undefined {
    if (seq === this.lastSeq) return [];
    if (seq > this.lastSeq || this.size === 0 || seq + 1 < this.firstSeq) return undefined;
    return this.texts.slice(seq + 1 - this.firstSeq);
  }

  /** Drops everything (a snapshot replaces what was kept); numbering goes on from the next push. */
  clear(): void {
    this.texts.clear();
    this.chars = 0;
  }
}
