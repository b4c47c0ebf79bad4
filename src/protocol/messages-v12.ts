/**
 * Wire protocol 1.2 rows ("Version 1.2: the whole call model", "Requests added"): the five requests
 * a desktop, a router or a dialer still lacked, and EventDigitsCollected, with the T-Library's own
 * TMessageType numbers. Every request gets REQUEST_COMMON (Reasons, Extensions); none is re-sent
 * after a failover ("Never re-sent: all five", their outcome is learned from the resync).
 *
 * What 1.2 adds to older rows (CallState, MediaType and ThirdPartyDNRole on every call event,
 * Reasons on the agent events, AddressInfoType/Status on EventAddressInfo, ThisQueue…) is in those
 * rows, in ./messages.ts and ./messages-v11.ts.
 */
import type { EventSpecBase, RequestSpecBase } from './spec-base.js';

export const V12_EVENT_SPECS = {
  // Answers RequestCollectDigits when NumberOfDigits are in, a terminate digit comes, or Timeout passes.
  EventDigitsCollected: {
    type: 84,
    kind: 'event',
    fromSeed: false,
    v12: true,
    call: true,
    attributes: { ThisDN: 'M', ConnID: 'M', CollectedDigits: 'O', LastDigit: 'O' },
  },
} as const satisfies Record<string, EventSpecBase>;

/** The answer is the event at the requesting DN about the request's call. */
const AT_THIS_DN_FOR_CONNID = ['ThisDN', 'ConnID'] as const;

export const V12_REQUEST_SPECS = {
  // ThisDN: the routing point or queue that gets the answered call; OtherDN: the number dialled;
  // Timeout: the ring timeout in ms. EventDialing at ThisDN (a new ConnID, CallType 3) answers; the
  // outcome (EventEstablished, EventDestinationBusy, EventReleased with a CallState) follows.
  RequestMakePredictiveCall: {
    type: 15,
    kind: 'request',
    answeredBy: ['EventDialing'],
    idempotent: false,
    v12: true,
    attributes: { ThisDN: 'M', OtherDN: 'M', Timeout: 'O', UserData: 'O' },
  },
  // At ThisDN: EventHeld, EventDialing and EventReleased for the consultation call come first; the
  // EventReleased for ConnID answers.
  RequestMuteTransfer: {
    type: 24,
    kind: 'request',
    answeredBy: ['EventReleased'],
    idempotent: false,
    v12: true,
    answerMatch: AT_THIS_DN_FOR_CONNID,
    attributes: { ThisDN: 'M', ConnID: 'M', OtherDN: 'M', Location: 'O', UserData: 'O' },
  },
  // As CompleteTransfer (MergeType 0: EventReleased for ConnID answers) or CompleteConference
  // (MergeType 1: EventPartyAdded for ConnID answers); TransferConnID is the other call.
  RequestMergeCalls: {
    type: 27,
    kind: 'request',
    answeredBy: ['EventReleased', 'EventPartyAdded'],
    idempotent: false,
    v12: true,
    answerMatch: AT_THIS_DN_FOR_CONNID,
    attributes: { ThisDN: 'M', ConnID: 'M', TransferConnID: 'M', MergeType: 'M' },
  },
  // The answer may come Timeout ms after the request: the caller's timeoutMs must allow for it.
  RequestCollectDigits: {
    type: 45,
    kind: 'request',
    answeredBy: ['EventDigitsCollected'],
    idempotent: false,
    v12: true,
    attributes: { ThisDN: 'M', ConnID: 'M', NumberOfDigits: 'O', TerminateDigits: 'O', Timeout: 'O' },
  },
  // Every other party gets EventPartyAdded for the same ConnID: the one at ThisDN answers.
  RequestSingleStepConference: {
    type: 120,
    kind: 'request',
    answeredBy: ['EventPartyAdded'],
    idempotent: false,
    v12: true,
    answerMatch: AT_THIS_DN_FOR_CONNID,
    attributes: { ThisDN: 'M', ConnID: 'M', OtherDN: 'M', Location: 'O', UserData: 'O' },
  },
} as const satisfies Record<string, RequestSpecBase>;
