/**
 * One registration of a DN shared by the SDK's own users of it on one connection: a routing point
 * (`conn.route()`) and the dialers dialling for it. The connection registers a DN once — a second
 * RequestRegisterAddress is refused (InvalidStateError), since the first unregister would undo the
 * registration both rely on — so these users count their references here instead: the first
 * registers, the others share its registration (waiting for it while it is on its way), and the
 * last to let go unregisters. A DN the user registered with their own call is not counted here and
 * stays theirs.
 */

/** The part of the connection a shared registration uses. */
export interface RegistrationHost {
  request(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
}

class SharedRegistration {
  users = 0;
  private registered = false;
  /** The registration's requests in order (register, unregister, register…), each after the previous. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: RegistrationHost,
    private readonly dn: string,
    private readonly forget: () => void,
  ) {}

  hold(args: Record<string, unknown>): Promise<void> {
    this.users++;
    return this.after(async () => {
      if (this.registered) return;
      try {
        await this.host.request('RequestRegisterAddress', { ThisDN: this.dn, ...args });
      } catch (err) {
        this.users--;
        throw err;
      }
      this.registered = true;
    });
  }

  release(): Promise<void> {
    this.users--;
    return this.after(async () => {
      if (this.users > 0 || !this.registered) return;
      try {
        await this.host.request('RequestUnregisterAddress', { ThisDN: this.dn });
        this.registered = false;
      } catch {
        // Not unregistered (refused, lost, or the connection closed): the connection keeps the DN
        // registered (re-registered after a reconnect), so the next user shares it, and the next
        // release tries again.
      }
    });
  }

  /** Runs `step` after the steps before it; once none is left to run and nobody holds it, the entry goes. */
  private after(step: () => Promise<void>): Promise<void> {
    const next = this.last.then(step);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.last = settled;
    void settled.then(() => {
      if (this.last === settled && this.users === 0 && !this.registered) this.forget();
    });
    return next;
  }
}

const byHost = new WeakMap<object, Map<string, SharedRegistration>>();

function entry(host: RegistrationHost, dn: string): SharedRegistration {
  let dns = byHost.get(host);
  if (dns === undefined) byHost.set(host, (dns = new Map()));
  let shared = dns.get(dn);
  if (shared === undefined) {
    const own = dns;
    shared = new SharedRegistration(host, dn, () => {
      if (own.get(dn) === shared) own.delete(dn);
    });
    dns.set(dn, shared);
  }
  return shared;
}

/**
 * Registers `dn` for one of the SDK's users of it (`args`: the registration's other attributes, used
 * by the first), or shares the registration made for another. Rejects as the registration did.
 */
export function holdRegistration(host: RegistrationHost, dn: string, args: Record<string, unknown> = {}): Promise<void> {
  return entry(host, dn).hold(args);
}

/** Lets go of a registration held with holdRegistration(); the last to let go unregisters. Never rejects. */
export function releaseRegistration(host: RegistrationHost, dn: string): Promise<void> {
  const shared = byHost.get(host)?.get(dn);
  return shared === undefined || shared.users === 0 ? Promise.resolve() : shared.release();
}

/** Whether one of the SDK's users holds (or is getting) a registration of `dn` on this connection. */
export function registrationHeld(host: RegistrationHost, dn: string): boolean {
  return (byHost.get(host)?.get(dn)?.users ?? 0) > 0;
}
