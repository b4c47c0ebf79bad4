/**
 * The ledger on the wire: replaying it on a new session (DNs, input mask, subscriptions), learning
 * from answers what the user asked the servers to remember, and mirroring that on the standby.
 * Replays are internal requests bound to their session: the router interrupts them if it goes.
 */
import createDebug from 'debug';
import type { KVListInput } from '../../protocol/attributes.js';
import type { RequestName } from '../../protocol/messages.js';
import { toKVList } from '../../protocol/values.js';
import type { DNRegistration, Ledger } from './ledger.js';
import type { PendingRequest, RequestSink } from '../requests/pending.js';
import type { RequestRouter } from '../requests/router.js';

const debug = createDebug('tlib:connection');

export class LedgerReplay {
  constructor(
    private readonly router: RequestRouter,
    private readonly ledger: Ledger,
  ) {}

  /** Registrations and the input mask (and, for a new active, the subscriptions) sent on `session`. */
  replay(session: RequestSink, full: boolean): PendingRequest[] {
    const sent: PendingRequest[] = [];
    const add = (name: RequestName, attributes: Record<string, unknown>) => {
      const p = this.bound(session, name, attributes);
      p.promise.catch((err) => debug('%s: replay %s failed: %s', session.name, name, (err as Error).message));
      sent.push(p);
      this.router.submit(p);
    };
    for (const [dn, reg] of this.ledger.dns) add('RequestRegisterAddress', { ThisDN: dn, ...reg });
    if (this.ledger.inputMask) add('RequestSetInputMask', { InputMask: this.ledger.inputMask });
    if (full) this.subscriptions(session, sent);
    return sent;
  }

  /** Transaction-monitoring subscriptions live on the primary: start them again on a new one. */
  subscriptions(session: RequestSink, sent: PendingRequest[] = []): PendingRequest[] {
    const subscriptions = this.ledger.subscriptions;
    for (const [userId, rec] of subscriptions.entries()) {
      const p = this.bound(
        session,
        'RequestTransactionMonitoring',
        normalizeArgs({ SubscriptionOperation: 1, TransactionType: rec.TransactionType, Extensions: rec.Extensions }),
      );
      p.promise.then(
        (ack) => {
          if (typeof ack.SubscriptionID === 'number') subscriptions.renewed(userId, ack.SubscriptionID);
        },
        (err) => debug('%s: replay of subscription %d failed: %s', session.name, userId, (err as Error).message),
      );
      sent.push(p);
      this.router.submit(p);
    }
    return sent;
  }

  /**
   * The ledger remembers what the user asked the server to remember (answers from the active only),
   * and the standby session is told the same (registrations and the mask live on both servers).
   */
  learnFromAnswer(p: PendingRequest, e: Record<string, unknown>, active: RequestSink | undefined, standby: RequestSink | undefined): void {
    if (p.target !== undefined && p.target !== active) return;
    const a = p.attributes;
    switch (p.name) {
      case 'RequestRegisterAddress':
        this.ledger.registered(a.ThisDN as string, { RegisterMode: a.RegisterMode, AddressType: a.AddressType } as DNRegistration, e);
        if (!p.internal) this.mirror(p, standby);
        break;
      case 'RequestUnregisterAddress':
        this.ledger.unregistered(a.ThisDN as string, e);
        if (!p.internal) this.mirror(p, standby);
        break;
      case 'RequestSetInputMask':
        this.ledger.inputMask = a.InputMask as Uint8Array;
        if (!p.internal) this.mirror(p, standby);
        break;
      case 'RequestTransactionMonitoring':
        if (p.internal) break;
        if (a.SubscriptionOperation === 1 && typeof e.SubscriptionID === 'number') {
          this.ledger.subscriptions.started(e.SubscriptionID, {
            TransactionType: a.TransactionType as number | undefined,
            Extensions: a.Extensions as KVListInput | undefined,
          });
        } else if (a.SubscriptionOperation === 2 && typeof p.userSubscriptionId === 'number') {
          this.ledger.subscriptions.stopped(p.userSubscriptionId);
        }
        break;
    }
  }

  private mirror(p: PendingRequest, standby: RequestSink | undefined): void {
    if (!standby?.isOpen) return;
    const m = this.bound(standby, p.name, p.attributes);
    m.promise.catch((err) => debug('%s: standby copy of %s failed: %s', standby.name, p.name, (err as Error).message));
    this.router.submit(m);
  }

  private bound(session: RequestSink, name: string, attributes: Record<string, unknown>): PendingRequest {
    return this.router.create(name, attributes, {}, { lane: 'control', deliverAnswer: false, target: session });
  }
}

/** Plain-object kvlists become lists; undefined attributes are dropped. */
export function normalizeArgs(args: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!args) return out;
  // for…in with an own-key check reads what Object.entries would, without an array per request.
  for (const k in args) {
    if (!Object.hasOwn(args, k)) continue;
    const v = args[k];
    if (v === undefined) continue;
    out[k] =
      (k === 'UserData' || k === 'Extensions' || k === 'Reasons') && !Array.isArray(v) && !(v instanceof Uint8Array)
        ? toKVList(v as KVListInput)
        : v;
  }
  return out;
}
