/**
 * A fake server session for the connection's seams (sessionFactory): no socket. Each dial asks
 * `decide(endpoint)` whether the server answers; tests then drive it (lose(), roleMessage()).
 */
import { EventEmitter } from 'eventemitter3';
import type { DecodedMessage } from '../../src/codec/index.js';
import { ConnectError, ConnectionLostError, type TlibError } from '../../src/errors.js';
import type { Endpoint } from '../../src/transport/index.js';
import type { PairDriverSession, SessionFactory } from '../../src/connection/pair/seams.js';
import { messageByName, messageByType } from '../../src/protocol/catalogue.js';

let ids = 10_000;

export class FakeSession extends EventEmitter implements PairDriverSession {
  readonly id = ++ids;
  state: 'opening' | 'open' | 'closed' = 'opening';
  linkUp = true;
  lastLinkEvent: DecodedMessage | undefined = undefined;
  receiver: ((m: DecodedMessage, s: PairDriverSession) => void) | undefined;
  readonly sent: Array<{ type: number; attributes: Record<string, unknown> }> = [];
  constructor(
    readonly endpoint: Endpoint,
    private readonly answers: boolean,
  ) {
    super();
  }
  get name(): string {
    return this.endpoint.name;
  }
  get isOpen(): boolean {
    return this.state === 'open';
  }
  async open(_ref: number, signal?: AbortSignal): Promise<unknown> {
    await Promise.resolve();
    if (signal?.aborted) throw signal.reason;
    if (!this.answers) throw new ConnectError(this.name, 'connect ECONNREFUSED (fake)');
    this.state = 'open';
    return undefined;
  }
  hold(): void {}
  release(): void {}
  send(type: number, attributes: Record<string, unknown>): void {
    this.sent.push({ type, attributes });
  }
  abort(reason: TlibError): void {
    this.lose(reason);
  }
  close(): void {
    this.state = 'closed';
    this.removeAllListeners();
    this.receiver = undefined;
  }
  /** The server drops us. */
  lose(reason: TlibError = new ConnectionLostError('ERR_CONNECTION_LOST', this.name, 'reset (fake)')): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('lost', reason, this);
  }
  /** The server sends `name` (an event) with `attributes`. */
  deliver(name: string, attributes: Record<string, unknown> = {}): void {
    const type = messageByName(name)!.type;
    this.receiver?.({ type, name, attributes, unknownAttributes: undefined, byteLength: 0 } as unknown as DecodedMessage, this);
  }
  /** The requests sent to this server named `name`, in order (their attributes, ReferenceID included). */
  requests(name: string): Array<Record<string, unknown>> {
    return this.sent.filter((s) => messageByType(s.type)?.name === name).map((s) => s.attributes);
  }
  /** Answers every request named `name` not answered yet with `event` (its attributes, then the request's ReferenceID). */
  answer(name: string, event: string, attributes: (request: Record<string, unknown>) => Record<string, unknown> = () => ({})): number {
    const todo = this.requests(name).filter((r) => !this.answered.has(r.ReferenceID as number));
    for (const r of todo) {
      this.answered.add(r.ReferenceID as number);
      this.deliver(event, { ...attributes(r), ReferenceID: r.ReferenceID });
    }
    return todo.length;
  }
  private readonly answered = new Set<number>();
  /** The server sends EventRestoreConnection with `role` (0 primary, 1 backup) naming `other`. */
  restoreConnection(role: 0 | 1, seq: number, other: Endpoint): void {
    const [host, port] = role === 0 ? ['BackupHost', 'BackupPort'] : ['PrimaryHost', 'PrimaryPort'];
    const attributes = {
      ServerRole: role,
      EventSequenceNumber: seq,
      UserData: [
        [host, other.host],
        [port, other.port],
      ],
    };
    this.receiver?.(
      { type: 0, name: 'EventRestoreConnection', attributes, unknownAttributes: undefined, byteLength: 0 } as unknown as DecodedMessage,
      this,
    );
  }
}

/** A factory recording every session it makes, with the time (`now()`) of each dial. */
export function fakeFactory(decide: (endpoint: Endpoint) => boolean, now: () => number) {
  const made: Array<{ session: FakeSession; at: number }> = [];
  const factory: SessionFactory = (endpoint) => {
    const session = new FakeSession(endpoint, decide(endpoint));
    made.push({ session, at: now() });
    return session;
  };
  return {
    factory,
    made,
    last: (name?: string) => [...made].reverse().find((m) => name === undefined || m.session.name === name)!.session,
  };
}
