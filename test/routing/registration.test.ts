/**
 * One DN registration shared by the SDK's own users of it on one connection (a routing point and
 * the dialers dialling for it), on a scripted host: the first registers, the others share it, the
 * last to let go unregisters, in order, whatever overlaps. The real-socket flows (conn.dialer() and
 * conn.route() on one routing point, in either order) are in
 * test/dialer/shared-registration.integration.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { Dialer, type DialerHost } from '../../src/dialer/index.js';
import { InvalidStateError, TServerError } from '../../src/errors.js';
import { RoutePoint } from '../../src/routing/index.js';
import { holdRegistration, registrationHeld, releaseRegistration } from '../../src/routing/registration.js';
import { FakeHost, flush } from './fake-host.js';

/** The scripted host as a dialer sees it too: the connection's registered DNs, and each dial refused at once. */
class DialingHost extends FakeHost {
  registeredDNs: string[] = [];
  constructor() {
    super();
    const info = { name: 'RequestMakePredictiveCall', referenceId: 2 } as never;
    this.script.RequestMakePredictiveCall = () => new TServerError({ ErrorCode: 71, ErrorMessage: 'no trunks' }, info);
  }
}
const dialerOn = (h: DialingHost) => new Dialer(h as unknown as DialerHost);

let host: DialingHost;
beforeEach(() => {
  host = new DialingHost();
});
const wire = () => host.sent.filter((s) => /^Request(Un)?[rR]egisterAddress$/.test(s.name)).map((s) => `${s.name} ${s.args.ThisDN}`);

describe('a shared registration', () => {
  it('the first user registers, the others share it, the last to let go unregisters', async () => {
    await holdRegistration(host, '5000', { AddressType: 4 });
    await holdRegistration(host, '5000');
    expect(host.named('RequestRegisterAddress').map((s) => s.args)).toEqual([{ ThisDN: '5000', AddressType: 4 }]);
    await releaseRegistration(host, '5000');
    expect(registrationHeld(host, '5000')).toBe(true);
    expect(host.named('RequestUnregisterAddress')).toEqual([]);
    await releaseRegistration(host, '5000');
    expect(registrationHeld(host, '5000')).toBe(false);
    await releaseRegistration(host, '5000'); // one release too many: nothing sent
    expect(wire()).toEqual(['RequestRegisterAddress 5000', 'RequestUnregisterAddress 5000']);
  });

  it('an unregistration that fails leaves the DN registered, as the connection keeps it: the next user shares it, the next release tries again', async () => {
    await holdRegistration(host, '5000', { AddressType: 4 });
    const info = { name: 'RequestUnregisterAddress', referenceId: 3 } as never;
    host.script.RequestUnregisterAddress = () => new TServerError({ ErrorCode: 42, ErrorMessage: 'busy' }, info);
    await releaseRegistration(host, '5000'); // never rejects
    // The connection still lists the DN (its ledger learns from answers): registering it again would be refused.
    await holdRegistration(host, '5000', { AddressType: 4 });
    expect(wire()).toEqual(['RequestRegisterAddress 5000', 'RequestUnregisterAddress 5000']);
    host.script.RequestUnregisterAddress = () => ({ Event: 'EventUnregistered' });
    await releaseRegistration(host, '5000');
    expect(wire()).toEqual(['RequestRegisterAddress 5000', 'RequestUnregisterAddress 5000', 'RequestUnregisterAddress 5000']);
    expect(registrationHeld(host, '5000')).toBe(false);
    await holdRegistration(host, '5000');
    expect(wire().at(-1)).toBe('RequestRegisterAddress 5000');
  });

  it('users arriving while the registration is on its way wait for it; a hold while the unregistration is on its way registers again after it', async () => {
    host.script.RequestRegisterAddress = () => 'pending';
    const a = holdRegistration(host, '5000');
    const b = holdRegistration(host, '5000');
    await flush();
    expect(wire()).toEqual(['RequestRegisterAddress 5000']);
    host.named('RequestRegisterAddress')[0].resolve({ Event: 'EventRegistered' });
    await Promise.all([a, b]);
    host.script.RequestUnregisterAddress = () => 'pending';
    const gone = Promise.all([releaseRegistration(host, '5000'), releaseRegistration(host, '5000')]);
    await flush();
    const again = holdRegistration(host, '5000'); // while the unregistration is on its way
    await flush();
    expect(wire()).toEqual(['RequestRegisterAddress 5000', 'RequestUnregisterAddress 5000']);
    host.named('RequestUnregisterAddress')[0].resolve({ Event: 'EventUnregistered' });
    await gone;
    await flush();
    expect(wire()).toEqual(['RequestRegisterAddress 5000', 'RequestUnregisterAddress 5000', 'RequestRegisterAddress 5000']);
    host.named('RequestRegisterAddress')[1].resolve({ Event: 'EventRegistered' });
    await again;
    expect(registrationHeld(host, '5000')).toBe(true);
  });

  it('a hold that comes before the last release has gone out keeps the registration: nothing is sent', async () => {
    await holdRegistration(host, '5000');
    const gone = releaseRegistration(host, '5000');
    const again = holdRegistration(host, '5000');
    await Promise.all([gone, again]);
    expect(wire()).toEqual(['RequestRegisterAddress 5000']);
    expect(registrationHeld(host, '5000')).toBe(true);
  });

  it('a refused registration rejects its users and counts none of them; the next user tries again', async () => {
    const refusal = new TServerError({ ErrorCode: 40, ErrorMessage: 'unknown DN' }, {
      name: 'RequestRegisterAddress',
      referenceId: 1,
    } as never);
    host.script.RequestRegisterAddress = () => refusal;
    await expect(holdRegistration(host, '5000')).rejects.toBe(refusal);
    expect(registrationHeld(host, '5000')).toBe(false);
    delete host.script.RequestRegisterAddress;
    await holdRegistration(host, '5000');
    expect(registrationHeld(host, '5000')).toBe(true);
    expect(host.named('RequestRegisterAddress')).toHaveLength(2);
  });
});

describe('conn.route() and conn.dialer() on one routing point', () => {
  it('dialer first, then route(): one registration; the dialer closing leaves it to the routing point', async () => {
    const dialer = dialerOn(host);
    void dialer.dial('5000', '+1555').catch(() => undefined);
    await flush();
    const rp = await RoutePoint.start(host, '5000', () => '1001');
    expect(wire()).toEqual(['RequestRegisterAddress 5000']);
    await dialer.close();
    expect(wire()).toEqual(['RequestRegisterAddress 5000']);
    await rp.close();
    expect(wire()).toEqual(['RequestRegisterAddress 5000', 'RequestUnregisterAddress 5000']);
  });

  it('route() first, then the dialer: the routing point closing leaves the registration to the dialer', async () => {
    const rp = await RoutePoint.start(host, '5000', () => '1001');
    const dialer = dialerOn(host);
    host.registeredDNs.push('5000'); // as the connection lists it
    void dialer.dial('5000', '+1555').catch(() => undefined);
    await flush();
    await rp.close();
    expect(wire()).toEqual(['RequestRegisterAddress 5000']);
    expect(registrationHeld(host, '5000')).toBe(true);
    await dialer.close();
    expect(wire()).toEqual(['RequestRegisterAddress 5000', 'RequestUnregisterAddress 5000']);
  });

  it('a DN the user registered with their own call is used by the dialer as it is, never unregistered by it', async () => {
    const dialer = dialerOn(host);
    host.registeredDNs.push('5000');
    void dialer.dial('5000', '+1555').catch(() => undefined);
    await flush();
    await dialer.close();
    expect(wire()).toEqual([]);
  });

  it('route() on a DN the user registered is still refused, as the connection refuses it', async () => {
    host.script.RequestRegisterAddress = () =>
      new InvalidStateError('RequestRegisterAddress refused: DN 5000 is already registered', 'open');
    await expect(RoutePoint.start(host, '5000', () => '1001')).rejects.toBeInstanceOf(InvalidStateError);
    expect(registrationHeld(host, '5000')).toBe(false);
  });
});
