/**
 * DN registrations shared by every browser session of a gateway, counted: the first session that
 * watches a DN registers it on the T-Server, the last one to let go unregisters it. A DN the
 * application had registered itself before is never unregistered. One operation per DN at a time;
 * after each, the DN is brought to what its count wants (so a quick release and acquire during a
 * registration ends registered, never with two requests racing).
 *
 * A DN registered now may already have calls (a gateway that starts while agents are on calls, or
 * takes over from one that died): after registering, the DN and each of its calls are queried, so
 * the state model — and the snapshot a session gets once its DNs are `ready` — holds the truth.
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
  /** Why it failed (while `failed`). */
  error: unknown;
  /** Resolves once the DN is registered and its calls learnt, or its registration failed. */
  ready: Promise<void>;
  markReady: (() => void) | undefined;
}

function newReady(e: Pick<Entry, 'ready' | 'markReady'>): void {
  e.ready = new Promise<void>((resolve) => (e.markReady = resolve));
}

export class DnRegistrations {
  private readonly entries = new Map<string, Entry>();
  private readonly idle = new Set<() => void>();
  /** Operations under way. */
  private busy = 0;

  constructor(
    private readonly conn: TServerConnection,
    /** A registration failed: the sessions watching `dn` are told (a session still waiting for its snapshot asks failure() after it). */
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
      e = {
        count: 0,
        registered: external,
        external,
        busy: false,
        failed: false,
        error: undefined,
        ready: Promise.resolve(),
        markReady: undefined,
      };
      if (!external) newReady(e);
      this.entries.set(dn, e);
    }
    e.count++;
    if (e.failed) {
      e.failed = false;
      e.error = undefined;
      newReady(e);
    } else if (!e.markReady && (e.busy || !e.registered)) newReady(e); // an unregistration under way: ready again after it
    this.reconcile(dn, e);
  }

  release(dn: string): void {
    const e = this.entries.get(dn);
    if (!e || e.count === 0) return;
    e.count--;
    this.reconcile(dn, e);
  }

  /** Why the DN's last registration failed; undefined unless it did (and no session tried again since). */
  failure(dn: string): { error: unknown } | undefined {
    const e = this.entries.get(dn);
    return e?.failed ? { error: e.error } : undefined;
  }

  /** Resolves once each of `dns` is registered and its calls learnt (or failed to be). */
  async ready(dns: Iterable<string>): Promise<void> {
    await Promise.all([...dns].map((dn) => this.entries.get(dn)?.ready));
  }

  /** Resolves once no registration or unregistration is under way. */
  settled(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private reconcile(dn: string, e: Entry): void {
    if (e.busy) return;
    if (e.count > 0 && !e.registered && !e.failed) {
      this.start(e);
      if (!e.markReady) newReady(e);
      this.registerAndLearn(dn).then(
        () => {
          e.registered = true;
          this.done(dn, e);
        },
        (err: unknown) => {
          e.failed = true;
          e.error = err;
          this.done(dn, e);
          if (e.count > 0) this.onFailure(dn, err);
        },
      );
    } else if (e.count === 0 && e.registered && !e.external) {
      this.start(e);
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

  private async registerAndLearn(dn: string): Promise<void> {
    await this.conn.registerAddress(dn);
    // Queries only teach the model (their answers go through it); one that fails costs nothing but detail.
    await this.conn.queryAddress(dn).catch(() => undefined);
    const calls = this.conn.dns.get(dn)?.calls ?? [];
    await Promise.all(calls.map((connId) => this.conn.queryCall(connId).catch(() => undefined)));
  }

  private start(e: Entry): void {
    e.busy = true;
    this.busy++;
  }

  private done(dn: string, e: Entry): void {
    e.busy = false;
    this.busy--;
    if (e.registered || e.failed) {
      e.markReady?.();
      e.markReady = undefined;
    }
    this.reconcile(dn, e);
    if (this.busy === 0 && this.idle.size > 0) {
      for (const resolve of [...this.idle]) resolve();
      this.idle.clear();
    }
  }
}
