/**
 * DN registrations shared by every browser session of a gateway, counted: the first session that
 * watches a DN registers it on the T-Server, the last one to let go unregisters it. A DN the
 * application had registered itself before is never unregistered. One operation per DN at a time;
 * after each, the DN is brought to what its count wants (so a quick release and acquire during a
 * registration ends registered, never with two requests racing).
 */
import type { TServerConnection } from '../connection/connection.js';

interface Entry {
  count: number;
  registered: boolean;
  /** Registered by the application, not by the gateway: never unregistered here. */
  external: boolean;
  busy: boolean;
  /** The last registration failed: not retried until a session acquires the DN again. */
  failed: boolean;
}

export class DnRegistrations {
  private readonly entries = new Map<string, Entry>();
  private readonly idle = new Set<() => void>();
  /** Operations under way. */
  private busy = 0;

  constructor(
    private readonly conn: TServerConnection,
    /** A registration failed: the sessions watching `dn` are told. */
    private readonly onFailure: (dn: string, error: unknown) => void,
  ) {}

  /** DNs with at least one session. */
  get size(): number {
    return this.entries.size;
  }

  count(dn: string): number {
    return this.entries.get(dn)?.count ?? 0;
  }

  acquire(dn: string): void {
    let e = this.entries.get(dn);
    if (!e) {
      const external = this.conn.registeredDNs.includes(dn);
      e = { count: 0, registered: external, external, busy: false, failed: false };
      this.entries.set(dn, e);
    }
    e.count++;
    e.failed = false;
    this.reconcile(dn, e);
  }

  release(dn: string): void {
    const e = this.entries.get(dn);
    if (!e || e.count === 0) return;
    e.count--;
    this.reconcile(dn, e);
  }

  /** Resolves once no registration or unregistration is under way. */
  settled(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private reconcile(dn: string, e: Entry): void {
    if (e.busy) return;
    if (e.count > 0 && !e.registered && !e.failed) {
      e.busy = true;
      this.busy++;
      this.conn.registerAddress(dn).then(
        () => {
          e.registered = true;
          this.done(dn, e);
        },
        (err: unknown) => {
          e.failed = true;
          this.done(dn, e);
          if (e.count > 0) this.onFailure(dn, err);
        },
      );
    } else if (e.count === 0 && e.registered && !e.external) {
      e.busy = true;
      this.busy++;
      // Whatever the answer, the gateway no longer counts on the DN (a closed connection forgets it too).
      const settle = () => {
        e.registered = false;
        this.done(dn, e);
      };
      this.conn.unregisterAddress(dn).then(settle, settle);
    } else if (e.count === 0) {
      this.entries.delete(dn);
    }
  }

  private done(dn: string, e: Entry): void {
    e.busy = false;
    this.busy--;
    this.reconcile(dn, e);
    if (this.busy === 0 && this.idle.size > 0) {
      for (const resolve of [...this.idle]) resolve();
      this.idle.clear();
    }
  }
}
