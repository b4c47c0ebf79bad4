/**
 * The event gate: one ordered pipeline every message from a server goes through before users see
 * it. In order:
 *   1. internal messages and protocol violations stop (unknown types are reported, not dropped);
 *      role messages (EventRestoreConnection, EventPrimaryChanged) and link events leave as
 *      outputs, which the pair driver turns into inputs of the pair machine;
 *   2. messages from the standby stop (answers to requests sent there settle silently);
 *   3. duplicates stop (EventSequenceNumber per ServerStartTime), never an awaited answer;
 *   4. validation against the catalogue ('warn' / 'strict' / 'off');
 *   5. the answer settles its request, the ledger's state model learns, users get the event, then
 *      the model's changes — unless a new active session is replaying the ledger, when events are
 *      held and released after its announcement.
 * It calls nobody back: what the pair must decide comes out of `onMessage`, and the pair's effects
 * come in as calls (deliver, announce, hold, release). Unit tests drive it with fake sessions.
 */
import createDebug from 'debug';
import { eventOf, type DecodedMessage } from '../../codec/index.js';
import { EventValidationError, HoldOverflowError, ProtocolError, type TlibError } from '../../errors.js';
import { messageByName } from '../../protocol/catalogue.js';
import { validateEvent } from '../../protocol/validate.js';
import { nowTime } from '../../protocol/values.js';
import { ByteBoundedFifo } from '../../util/fifo.js';
import { HELD_MESSAGE_OVERHEAD } from '../options.js';
import type { Ledger } from '../ledger/ledger.js';
import { redactAttributes } from '../../protocol/attributes.js';
import type { RequestRouter } from '../requests/router.js';
import type { PendingRequest, RequestSink } from '../requests/pending.js';
import type { ProtocolWarning } from '../types.js';

const debug = createDebug('tlib:connection');
const debugData = createDebug('tlib:data');

/** What the gate needs of a server session (ServerSession fits). */
export interface GateSession extends RequestSink {
  readonly state: 'opening' | 'open' | 'closed';
  readonly lastLinkEvent: DecodedMessage | undefined;
  hold(): void;
  release(): void;
  abort(reason: TlibError): void;
}

/** Where delivered events go: the connection's isolating emitter. */
export interface GateSink {
  emit(name: string, arg: unknown): void;
  /** A typed error that concerns no request: 'error' listeners, else a process warning. */
  reportError(err: TlibError): void;
}

/** What the gate reads of the pair: which session is active. */
export interface GateHost {
  readonly active: GateSession | undefined;
}

/** What a message means for the pair (the driver makes each an input of the pair machine). */
export type GateOutput =
  | { kind: 'restoreConnection'; attributes: Record<string, unknown> }
  /** From the standby, the driver acts on it at the end of the I/O phase (see docs/design.md). */
  | { kind: 'primaryChanged'; message: DecodedMessage; fromStandby: boolean }
  /** A link event, validated: the pair decides whether users see it. */
  | { kind: 'link'; up: boolean; message: DecodedMessage }
  /** A new ServerStartTime: the pair's role watermark starts afresh too. */
  | { kind: 'newEpoch' };

export interface GateConfig {
  validation: 'strict' | 'warn' | 'off';
  /** Bytes of events held during a ledger replay (frame bytes + HELD_MESSAGE_OVERHEAD each); past it the active session is dropped. */
  maxHeldBytes: number;
}

export class EventGate {
  /** User-visible events held while a new active session replays the ledger (bounded by maxHeldBytes). */
  private readonly held: ByteBoundedFifo<Record<string, unknown>>;
  private holdingEvents = false;
  private readonly validation: GateConfig['validation'];
  /** Duplicate filter: highest EventSequenceNumber delivered, per ServerStartTime of the pair. */
  private lastSeq = -1;
  private seqEpochSeconds = -1;
  private seqEpochMicros = -1;
  /** Outputs of the message being handled (a fresh array only when there are some). */
  private outputs: GateOutput[] | undefined;

  constructor(
    private readonly host: GateHost,
    private readonly router: RequestRouter,
    private readonly ledger: Ledger,
    private readonly out: GateSink,
    config: GateConfig,
  ) {
    this.validation = config.validation;
    this.held = new ByteBoundedFifo(config.maxHeldBytes);
  }

  /** Takes one message through the pipeline; returns what it means for the pair, if anything. */
  onMessage(m: DecodedMessage, session: GateSession): GateOutput[] | undefined {
    this.outputs = undefined;
    this.pipe(m, session);
    return this.outputs;
  }

  private output(o: GateOutput): void {
    (this.outputs ??= []).push(o);
  }

  private pipe(m: DecodedMessage, session: GateSession): void {
    if (session.state === 'closed') return;
    const name = m.name;
    const attrs = m.attributes;
    const active = this.host.active;
    // 1. Internal messages and protocol violations stop here.
    if (name === undefined) {
      if (session !== active) return;
      this.warn({ code: 'ERR_UNKNOWN_MESSAGE', server: session.name, event: undefined, detail: `unknown message type ${m.type}` });
      this.out.emit('unknownMessage', { Server: session.name, type: m.type, attributes: attrs });
      return;
    }
    const d = messageByName(name)!;
    if (d.synthesized || d.kind !== 'event') {
      session.abort(new ProtocolError('ERR_UNEXPECTED_MESSAGE', `${name} (type ${m.type}) must never come from a server`, 0, false));
      return;
    }
    if (name === 'EventRestoreConnection') {
      this.output({ kind: 'restoreConnection', attributes: attrs });
      return;
    }
    const seq = attrs.EventSequenceNumber;
    const link = name === 'EventLinkConnected' || name === 'EventLinkDisconnected';
    // 2. Messages from the standby session stop here; its link status is noted by the pair.
    if (session !== active) {
      if (name === 'EventPrimaryChanged') {
        this.output({ kind: 'primaryChanged', message: m, fromStandby: true });
        return;
      }
      if (link) {
        this.output({ kind: 'link', up: name === 'EventLinkConnected', message: m });
        return;
      }
      const p = this.router.answerFor(session, name, attrs);
      if (p) this.router.settle(p, this.toEvent(session, name, m));
      return;
    }
    // 3. Duplicates stop here (never an answer to a request in flight).
    if (typeof seq === 'number' && this.isDuplicate(seq, attrs.ServerStartTime) && !this.router.isAwaited(session, attrs)) {
      debug('%s: duplicate %s seq %d dropped', session.name, name, seq);
      return;
    }
    // EventPrimaryChanged and link events: the pair decides what users see, and in which order.
    if (name === 'EventPrimaryChanged') {
      this.output({ kind: 'primaryChanged', message: m, fromStandby: false });
      return;
    }
    if (link) {
      if (this.check(session, name, attrs, undefined)) this.output({ kind: 'link', up: name === 'EventLinkConnected', message: m });
      return;
    }
    if (d.obsolete) {
      this.warn({
        code: 'ERR_OBSOLETE_EVENT',
        server: session.name,
        event: name,
        detail: `${name} is obsolete: delivered, not acted upon`,
      });
    }
    // 4–5. Validation, answers, the ledger, then users.
    const pending = this.router.answerFor(session, name, attrs);
    if (!this.check(session, name, attrs, pending)) return;
    const event = this.toEvent(session, name, m);
    if (pending) this.router.settle(pending, event);
    const unknown = m.unknownAttributes;
    if (unknown) {
      for (const u of unknown) {
        this.warn({
          code: 'ERR_UNKNOWN_ATTRIBUTE',
          server: session.name,
          event: name,
          attribute: String(u.id),
          detail: `${name} carries unknown attribute id ${u.id}`,
        });
      }
    }
    // What the decoder read but reports (invalid UTF-8, kvlist keys made equal by it).
    const decoded = m.warnings;
    if (decoded)
      for (const w of decoded) this.warn({ code: w.code, server: session.name, event: name, attribute: w.attribute, detail: w.detail });
    if (pending && !pending.deliverAnswer) return;
    this.deliver(event, m.byteLength);
  }

  // ------------------------------------------------------------------ hold and release

  /** True while a new active session replays the ledger (user requests wait too). */
  get holding(): boolean {
    return this.holdingEvents;
  }

  hold(): void {
    this.holdingEvents = true;
  }

  /** Ends the hold: `first` runs (the announcement), then held events are delivered, in order. */
  release(first?: () => void): void {
    this.holdingEvents = false;
    first?.();
    // A listener may hold again (a new adoption): the rest wait, in order, ahead of newer ones.
    while (!this.holdingEvents && this.held.size > 0) this.deliver(this.held.shift()!);
  }

  /** Ends the hold and forgets what it held (the session being adopted was lost). */
  dropHeld(): void {
    this.holdingEvents = false;
    this.held.clear();
  }

  /** After close(): users have seen nothing yet of the next open(). */
  reset(): void {
    this.dropHeld();
  }

  // ------------------------------------------------------------------ delivery

  /** Delivers `event` (its frame was `bytes` long), or holds it during a replay. */
  deliver(event: Record<string, unknown>, bytes = 0): void {
    if (this.holdingEvents && event.Event !== 'EventServerDisconnected') {
      if (this.held.push(event, bytes + HELD_MESSAGE_OVERHEAD)) return;
      // A server flooding while the ledger is replayed: dropped like one that stops reading.
      const active = this.host.active;
      const err = new HoldOverflowError(active?.name ?? '', 'during the ledger replay', this.held.bytes, this.held.maxBytes);
      this.dropHeld();
      active?.abort(err);
      return;
    }
    // The state model first, so listeners of the event read conn.calls / conn.dns as it leaves them.
    const changes = this.ledger.learn(event);
    if (debugData.enabled) debugData('event %o', redactAttributes(event));
    this.out.emit(event.Event as string, event);
    this.out.emit('event', event);
    if (changes.length !== 0) this.ledger.changed(changes);
  }

  /** A link event for users (the pair decided they see it). */
  deliverLink(session: GateSession, m: DecodedMessage): void {
    this.markDelivered(m.attributes.EventSequenceNumber);
    this.deliver(this.toEvent(session, m.name!, m), m.byteLength);
  }

  /** EventServerConnected for a session users now see, then its link status. */
  announce(session: GateSession, link: DecodedMessage | undefined): void {
    this.deliver({ Event: 'EventServerConnected', Server: session.name });
    if (link) this.deliverLink(session, link);
  }

  /**
   * EventPrimaryChanged from the (now active) new primary with the link events the pair puts
   * around it (the seed's order): `linkBefore` EventLinkDisconnected, `linkAfter` EventLinkConnected.
   */
  announcePrimaryChanged(session: GateSession, m: DecodedMessage, around: { linkBefore?: false; linkAfter?: true }): void {
    this.markDelivered(m.attributes.EventSequenceNumber);
    if (around.linkBefore === false) this.deliverLink(session, switchoverLink(session, false));
    if (this.check(session, 'EventPrimaryChanged', m.attributes, undefined)) this.deliver(this.toEvent(session, 'EventPrimaryChanged', m));
    if (around.linkAfter === true) this.deliverLink(session, switchoverLink(session, true));
  }

  warn(w: ProtocolWarning): void {
    debug('protocol warning %s: %s', w.code, w.detail);
    this.out.emit('protocolWarning', w);
  }

  // ------------------------------------------------------------------ ordering

  /**
   * True when `seq` was already delivered for this pair. Sequence numbers are only comparable under
   * one ServerStartTime (the whole of it): another start time starts a new series.
   */
  private isDuplicate(seq: number, startTime: unknown): boolean {
    const t = startTime as { seconds: number; microseconds: number } | undefined;
    // Compared as two numbers: this runs for every event.
    if (t && typeof t === 'object' && (t.seconds !== this.seqEpochSeconds || t.microseconds !== this.seqEpochMicros)) {
      this.seqEpochSeconds = t.seconds;
      this.seqEpochMicros = t.microseconds;
      this.lastSeq = -1;
      this.output({ kind: 'newEpoch' });
    }
    if (seq <= this.lastSeq) return true;
    this.lastSeq = seq;
    return false;
  }

  /** For events delivered outside the duplicate check (the switchover's own): advance the watermark. */
  private markDelivered(seq: unknown): void {
    if (typeof seq === 'number' && seq > this.lastSeq) this.lastSeq = seq;
  }

  /**
   * Validation against the catalogue: 'warn' reports and lets the event through; 'strict' stops it
   * and rejects the request it answers (or reports it as an error). Returns whether to go on.
   */
  private check(session: GateSession, name: string, attrs: Record<string, unknown>, pending: PendingRequest | undefined): boolean {
    if (this.validation === 'off') return true;
    const issues = validateEvent(name, attrs, pending ? { answering: { name: pending.name, attributes: pending.attributes } } : undefined);
    if (issues.length === 0) return true;
    if (this.validation === 'strict') {
      const err = new EventValidationError(issues, { Event: name, Server: session.name, ...attrs });
      if (pending) this.router.fail(pending, err);
      else this.out.reportError(err);
      return false;
    }
    for (const i of issues) this.warn({ code: i.code, server: session.name, event: name, attribute: i.attribute, detail: i.detail });
    return true;
  }

  private toEvent(session: GateSession, name: string, m: DecodedMessage): Record<string, unknown> {
    // { Event, Server, ...attributes } built by the decoder's compiled layout: no spread per event.
    const event = eventOf(m, name, session.name);
    if (m.unknownAttributes) event.unknownAttributes = m.unknownAttributes;
    if (name === 'EventTransactionStatus' && typeof event.SubscriptionID === 'number' && this.ledger.subscriptions.size > 0) {
      event.SubscriptionID = this.ledger.subscriptions.toUser(event.SubscriptionID);
    }
    return event;
  }
}

/**
 * The link event to show around EventPrimaryChanged or a return to the primary: the one the server
 * sent while it was the standby if there is one, else a fresh one (never the stale answer to its
 * RequestRegisterClient).
 */
export function switchoverLink(session: GateSession, up: boolean): DecodedMessage {
  const name = up ? 'EventLinkConnected' : 'EventLinkDisconnected';
  const last = session.lastLinkEvent;
  if (last && last.name === name && last.attributes.ReferenceID === undefined) return last;
  return { type: up ? 95 : 94, name, attributes: { time: nowTime() }, unknownAttributes: undefined, byteLength: 0 };
}
