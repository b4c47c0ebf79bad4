/**
 * Helpers for the call-model tests: one raw wire client per DN ("desk"), what each one saw, and
 * the EventError check.
 */
import { expect } from 'vitest';
import { ADDP_PING } from '../../src/protocol/catalogue.js';
import { ClientPool, type Match, type Received, type WireClient } from '../support/wire-client.js';

export const pool = new ClientPool();

/** A client registered on `dns` (RegisterClient, then RegisterAddress each, with AddressType if given). */
export async function desk(url: string, dns: string | string[], addressType?: number): Promise<WireClient> {
  const c = await pool.registered(url);
  for (const dn of Array.isArray(dns) ? dns : [dns]) {
    const answer = await c.request('RequestRegisterAddress', { ThisDN: dn, AddressType: addressType });
    if (answer.name !== 'EventRegistered') throw new Error(`RegisterAddress ${dn} refused: ${JSON.stringify(answer.attributes)}`);
  }
  return c;
}

/** Call and agent events a desk received from index `since` on (no ADDP, link or pair events). */
export function seen(c: WireClient, since = 0): Received[] {
  const skip = new Set(['EventLinkConnected', 'EventLinkDisconnected', 'EventRestoreConnection', 'EventPrimaryChanged', 'EventRegistered']);
  return c.received.slice(since).filter((m) => m.type < ADDP_PING && !skip.has(m.name));
}

/** `name@ConnID` of each event seen since `since`, ConnIDs replaced by the label given for them. */
export function story(c: WireClient, since: number, labels: Record<string, string>): string[] {
  return seen(c, since).map((m) => {
    const id = m.attributes.ConnID as string | undefined;
    return id === undefined ? m.name : `${m.name}@${labels[id] ?? id}`;
  });
}

export function expectError(m: Received, code: number, message?: RegExp): void {
  expect(m.name, JSON.stringify(m.attributes)).toBe('EventError');
  expect(m.attributes.ErrorCode, String(m.attributes.ErrorMessage)).toBe(code);
  if (message) expect(m.attributes.ErrorMessage).toMatch(message);
}

/** Waits for the event `name` about `connId` at a desk (index ≥ since). */
export function eventOn(c: WireClient, name: string, connId: string, since = 0): Promise<Received> {
  return c.waitFor((m) => m.name === name && m.attributes.ConnID === connId, { since, what: `${name} for ${connId}` });
}

/**
 * What `c` received since `since` that matches, once everything the server sent it so far has
 * arrived: a RequestQueryServer round trip (the server answers in order on one socket, and writes
 * an event as it happens), so proving that nothing came needs no wait on the clock. The round
 * trip's own answer is left out. Not for a frozen server (it answers nothing).
 */
export async function arrivedBy(c: WireClient, match: Match, since = 0): Promise<Received[]> {
  const barrier = await c.request('RequestQueryServer');
  const test = typeof match === 'string' ? (m: Received) => m.name === match : match;
  return c.received.slice(since).filter((m) => m !== barrier && m.type < ADDP_PING && test(m));
}
