/**
 * Digits on a call (wire spec 1.2 RequestCollectDigits): the caller enters digits (a switch-side
 * control, `enterDigits`), a collection takes them — those entered before it first — and
 * EventDigitsCollected answers when NumberOfDigits are in, a terminate digit comes, or Timeout
 * passes (with what was entered). Digits entered with no collection running wait on the call, at
 * most MAX_BUFFERED_DIGITS of them.
 */
import { digitsTimerKey, endCollection } from './calls.js';
import { callWithParty, ownDN, partyIn } from './checks.js';
import type { Handler } from './core.js';
import { SimErrorCode, refuse } from './error-codes.js';
import { MAX_BUFFERED_DIGITS, type SimCall } from './records.js';
import type { SwitchContext } from './state.js';

/** The keys of a phone: what a caller may enter, and what DTMFDigits and TerminateDigits may hold. */
export const KEYS = /^[0-9*#A-Da-d]+$/;

/** NumberOfDigits a collection may ask for at most (and what it collects when it gives none). */
export const MAX_COLLECTED_DIGITS = 64;

/** The longest Timeout a collection may give (ms): an hour. */
export const MAX_COLLECT_MS = 3_600_000;

/** The caller enters `digits` on `call`: a collection running takes them, else they wait on the call. */
export function enterDigits(ctx: SwitchContext, call: SimCall, digits: string): void {
  if (digits.length === 0 || digits.length > MAX_BUFFERED_DIGITS || !KEYS.test(digits)) {
    throw new RangeError(`digits must be 1–${MAX_BUFFERED_DIGITS} of 0-9 * # A-D, got ${JSON.stringify(digits)}`);
  }
  take(ctx, call, digits);
}

/** Feeds `digits` to the collection running, one by one; what is left (or all, with none running) waits on the call. */
function take(ctx: SwitchContext, call: SimCall, digits: string): void {
  let i = 0;
  for (; i < digits.length && call.collecting; i++) {
    const digit = digits[i]!;
    const c = call.collecting;
    if (c.terminators.includes(digit)) {
      endCollection(ctx, call, digit);
      continue;
    }
    c.collected += digit;
    if (c.collected.length >= c.count) endCollection(ctx, call, digit);
  }
  call.digits = (call.digits + digits.slice(i)).slice(-MAX_BUFFERED_DIGITS);
}

const collectDigits: Handler<'RequestCollectDigits'> = (core, req, a) => {
  ownDN(core, req, a.ThisDN);
  const { call, party } = callWithParty(core, a.ConnID, a.ThisDN);
  partyIn(party, a.ConnID, ['established', 'routing', 'queued'], 'collect digits');
  if (call.collecting) refuse(SimErrorCode.InvalidAttribute, `call ${a.ConnID} already collects digits for DN ${call.collecting.dn}`);
  const count = a.NumberOfDigits ?? MAX_COLLECTED_DIGITS;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COLLECTED_DIGITS) {
    refuse(SimErrorCode.InvalidAttribute, `invalid attribute NumberOfDigits: 1–${MAX_COLLECTED_DIGITS}, got ${count}`);
  }
  const terminators = a.TerminateDigits ?? '';
  if (terminators.length > 16 || (terminators !== '' && !KEYS.test(terminators))) {
    refuse(SimErrorCode.InvalidAttribute, `invalid attribute TerminateDigits: up to 16 of 0-9 * # A-D, got ${JSON.stringify(terminators)}`);
  }
  const timeout = a.Timeout ?? core.shared.settings.digitsTimeoutMs;
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_COLLECT_MS) {
    refuse(SimErrorCode.InvalidAttribute, `invalid attribute Timeout: 0–${MAX_COLLECT_MS} ms, got ${timeout}`);
  }
  call.collecting = { dn: a.ThisDN, req, count, terminators, collected: '' };
  const typedAhead = call.digits;
  call.digits = '';
  take(core, call, typedAhead);
  if (!call.collecting) return;
  const connId = call.connId;
  core.shared.setTimer(digitsTimerKey(connId), timeout, (ctx) => {
    const now = ctx.shared.calls.get(connId);
    if (now) endCollection(ctx, now);
  });
};

export const DIGIT_HANDLERS = {
  RequestCollectDigits: collectDigits,
} satisfies { [N in 'RequestCollectDigits']: Handler<N> };
