/** A RequestSink that keeps what it was sent (the frames' attributes), for router tests without sockets. */
import type { RequestSink } from '../../src/connection/requests/pending.js';

export class RecordingSink implements RequestSink {
  readonly name = 'a:1';
  isOpen = true;
  linkUp = true;
  readonly sent: Record<string, unknown>[] = [];
  send(_type: number, attributes: Record<string, unknown>): void {
    this.sent.push(attributes);
  }
}
