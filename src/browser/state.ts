/**
 * The browser's copy of its calls and DNs (`conn.calls`, `conn.dns`), kept as the gateway tells:
 * a snapshot replaces it (and says what changed, cause 'resync'), each change message updates one
 * view. Views are frozen, as TServerConnection's are.
 */
import type { CallView, ChangeCause, DNView } from '../model/types.js';
import type { ChangeKind, SnapshotMessage } from '../gateway/protocol.js';

export type StateChange =
  | { kind: 'callChanged' | 'callEnded'; view: CallView; cause: ChangeCause }
  | { kind: 'dnChanged'; view: DNView; cause: ChangeCause };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class BrowserState {
  readonly calls = new Map<string, CallView>();
  readonly dns = new Map<string, DNView>();

  /** Takes a snapshot; the changes it makes to what was shown, as 'resync' changes. */
  replace(snapshot: SnapshotMessage): StateChange[] {
    const out: StateChange[] = [];
    const calls = new Map(snapshot.calls.map((c) => [c.connId, deepFreeze(c)]));
    for (const [connId, old] of this.calls) if (!calls.has(connId)) out.push({ kind: 'callEnded', view: old, cause: 'resync' });
    for (const [connId, view] of calls) {
      if (JSON.stringify(this.calls.get(connId)) !== JSON.stringify(view)) out.push({ kind: 'callChanged', view, cause: 'resync' });
    }
    const dns = new Map(snapshot.dns.map((d) => [d.dn, deepFreeze(d)]));
    for (const [dn, view] of dns) {
      if (JSON.stringify(this.dns.get(dn)) !== JSON.stringify(view)) out.push({ kind: 'dnChanged', view, cause: 'resync' });
    }
    this.calls.clear();
    for (const [k, v] of calls) this.calls.set(k, v);
    this.dns.clear();
    for (const [k, v] of dns) this.dns.set(k, v);
    return out;
  }

  /** One change message applied; the change to emit. */
  apply(kind: ChangeKind, view: CallView | DNView, cause: ChangeCause): StateChange {
    deepFreeze(view);
    if (kind === 'dnChanged') {
      const dn = view as DNView;
      this.dns.set(dn.dn, dn);
      return { kind, view: dn, cause };
    }
    const call = view as CallView;
    if (kind === 'callEnded') this.calls.delete(call.connId);
    else this.calls.set(call.connId, call);
    return { kind, view: call, cause };
  }

  clear(): void {
    this.calls.clear();
    this.dns.clear();
  }
}
