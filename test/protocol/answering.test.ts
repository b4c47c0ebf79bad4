/**
 * isAnsweringEvent: a request settles only on its answering event (or EventError); the other
 * events the switch sends for it first, even with the same ReferenceID and the same event name,
 * settle nothing. One case per row of wire-protocol.md 1.1 "Requests added or extended" that lists
 * "other events", written by hand from that column.
 */
import { describe, expect, it } from 'vitest';
import { isAnsweringEvent, messageByName, type MessageDescriptor } from '../../src/protocol/catalogue.js';

const HELD = '0000000000000a01';
const CONSULT = '0000000000000b02';
const OTHER = '0000000000000c03';
const AGENT = '1001';
const TARGET = '1002';
const THIRD = '1003';
const RP = '5000';

type Ev = [name: string, attrs: Record<string, unknown>];

interface Row {
  request: string;
  attrs: Record<string, unknown>;
  /** What comes first for this request and must settle nothing. */
  earlier: Ev[];
  /** The answer(s): each settles it. */
  answers: Ev[];
}

const ROWS: Row[] = [
  {
    request: 'RequestInitiateConference',
    attrs: { ThisDN: AGENT, ConnID: HELD, OtherDN: TARGET },
    earlier: [
      ['EventHeld', { ThisDN: AGENT, ConnID: HELD }],
      ['EventRinging', { ThisDN: TARGET, ConnID: CONSULT }],
      ['EventDialing', { ThisDN: TARGET, ConnID: CONSULT }],
    ],
    answers: [['EventDialing', { ThisDN: AGENT, ConnID: CONSULT, CallType: 4 }]],
  },
  {
    request: 'RequestInitiateTransfer',
    attrs: { ThisDN: AGENT, ConnID: HELD, OtherDN: TARGET },
    earlier: [
      ['EventHeld', { ThisDN: AGENT, ConnID: HELD }],
      ['EventRinging', { ThisDN: TARGET, ConnID: CONSULT }],
    ],
    answers: [['EventDialing', { ThisDN: AGENT, ConnID: CONSULT, CallType: 4 }]],
  },
  {
    request: 'RequestCompleteConference',
    attrs: { ThisDN: AGENT, ConnID: HELD, ConferenceConnID: CONSULT },
    earlier: [
      ['EventReleased', { ThisDN: AGENT, ConnID: CONSULT }],
      ['EventRetrieved', { ThisDN: AGENT, ConnID: HELD }],
      ['EventPartyChanged', { ThisDN: TARGET, ConnID: HELD, PreviousConnID: CONSULT }],
      ['EventPartyAdded', { ThisDN: THIRD, ConnID: HELD, OtherDN: TARGET }],
    ],
    answers: [['EventPartyAdded', { ThisDN: AGENT, ConnID: HELD, OtherDN: TARGET }]],
  },
  {
    request: 'RequestDeleteFromConference',
    attrs: { ThisDN: AGENT, ConnID: HELD, OtherDN: THIRD },
    earlier: [
      ['EventReleased', { ThisDN: THIRD, ConnID: HELD }],
      ['EventPartyDeleted', { ThisDN: TARGET, ConnID: HELD, OtherDN: THIRD }],
    ],
    answers: [['EventPartyDeleted', { ThisDN: AGENT, ConnID: HELD, OtherDN: THIRD }]],
  },
  {
    request: 'RequestSingleStepTransfer',
    attrs: { ThisDN: AGENT, ConnID: HELD, OtherDN: TARGET },
    earlier: [
      ['EventRinging', { ThisDN: TARGET, ConnID: HELD, ThirdPartyDN: AGENT }],
      ['EventReleased', { ThisDN: TARGET, ConnID: HELD }],
    ],
    answers: [['EventReleased', { ThisDN: AGENT, ConnID: HELD }]],
  },
  {
    request: 'RequestCompleteTransfer',
    attrs: { ThisDN: AGENT, ConnID: HELD, TransferConnID: CONSULT },
    earlier: [
      ['EventReleased', { ThisDN: AGENT, ConnID: CONSULT }],
      ['EventPartyChanged', { ThisDN: TARGET, ConnID: HELD, PreviousConnID: CONSULT, ThirdPartyDN: AGENT }],
    ],
    answers: [['EventReleased', { ThisDN: AGENT, ConnID: HELD }]],
  },
  {
    request: 'RequestAlternateCall',
    attrs: { ThisDN: AGENT, ConnID: HELD, PreviousConnID: CONSULT },
    earlier: [
      ['EventHeld', { ThisDN: AGENT, ConnID: CONSULT }],
      ['EventRetrieved', { ThisDN: AGENT, ConnID: OTHER }],
    ],
    answers: [['EventRetrieved', { ThisDN: AGENT, ConnID: HELD }]],
  },
  {
    request: 'RequestReconnectCall',
    attrs: { ThisDN: AGENT, ConnID: HELD, PreviousConnID: CONSULT },
    earlier: [
      ['EventReleased', { ThisDN: AGENT, ConnID: CONSULT }],
      ['EventReleased', { ThisDN: TARGET, ConnID: CONSULT }],
    ],
    answers: [['EventRetrieved', { ThisDN: AGENT, ConnID: HELD }]],
  },
  {
    request: 'RequestUpdateUserData',
    attrs: { ThisDN: AGENT, ConnID: HELD, UserData: [['k', 'v']] },
    earlier: [['EventAttachedDataChanged', { ThisDN: TARGET, ConnID: HELD, UserData: [['k', 'v']] }]],
    answers: [['EventAttachedDataChanged', { ThisDN: AGENT, ConnID: HELD, UserData: [['k', 'v']] }]],
  },
  {
    request: 'RequestRouteCall',
    attrs: { ThisDN: RP, ConnID: HELD, OtherDN: TARGET },
    earlier: [['EventRinging', { ThisDN: TARGET, ConnID: HELD, ThirdPartyDN: RP }]],
    answers: [['EventRouteUsed', { ThisDN: RP, ConnID: HELD, OtherDN: TARGET }]],
  },
  {
    request: 'RequestRedirectCall',
    attrs: { ThisDN: AGENT, ConnID: HELD, OtherDN: TARGET },
    earlier: [['EventRinging', { ThisDN: TARGET, ConnID: HELD }]],
    answers: [['EventReleased', { ThisDN: AGENT, ConnID: HELD }]],
  },
  {
    request: 'RequestClearCall',
    attrs: { ThisDN: AGENT, ConnID: HELD },
    earlier: [
      ['EventReleased', { ThisDN: TARGET, ConnID: HELD }],
      ['EventReleased', { ThisDN: THIRD, ConnID: HELD }],
    ],
    answers: [['EventReleased', { ThisDN: AGENT, ConnID: HELD }]],
  },
  {
    request: 'RequestApplyTreatment',
    attrs: { ThisDN: RP, ConnID: HELD, TreatmentType: 2 },
    earlier: [
      ['EventTreatmentEnd', { ThisDN: RP, ConnID: HELD }],
      ['EventTreatmentApplied', { ThisDN: RP, ConnID: OTHER }],
    ],
    answers: [
      ['EventTreatmentApplied', { ThisDN: RP, ConnID: HELD, TreatmentType: 2 }],
      ['EventTreatmentNotApplied', { ThisDN: RP, ConnID: HELD }],
    ],
  },
];

function desc(name: string): MessageDescriptor {
  const d = messageByName(name);
  if (!d || d.kind !== 'request') throw new Error(`${name} is not a request`);
  return d;
}

describe('isAnsweringEvent: requests the switch answers with several events', () => {
  it('covers every row of the 1.1 request table that lists other events', () => {
    // Rows of the table with a non-empty "other events" column.
    expect(ROWS.map((r) => r.request).sort()).toEqual(
      [
        'RequestInitiateConference',
        'RequestCompleteConference',
        'RequestDeleteFromConference',
        'RequestInitiateTransfer',
        'RequestSingleStepTransfer',
        'RequestCompleteTransfer',
        'RequestAlternateCall',
        'RequestReconnectCall',
        'RequestUpdateUserData',
        'RequestRouteCall',
        'RequestRedirectCall',
        'RequestClearCall',
        'RequestApplyTreatment',
      ].sort(),
    );
  });

  for (const row of ROWS) {
    describe(row.request, () => {
      const d = desc(row.request);
      for (const [name, attrs] of row.earlier) {
        it(`${name} at ${String(attrs.ThisDN)} for ${String(attrs.ConnID)} comes first and settles nothing`, () => {
          expect(isAnsweringEvent(d, name, { ReferenceID: 7, ...attrs }, row.attrs)).toBe(false);
        });
      }
      for (const [name, attrs] of row.answers) {
        it(`${name} at ${String(attrs.ThisDN)} for ${String(attrs.ConnID)} settles it`, () => {
          expect(isAnsweringEvent(d, name, { ReferenceID: 7, ...attrs }, row.attrs)).toBe(true);
        });
      }
      it('EventError settles it', () => {
        expect(isAnsweringEvent(d, 'EventError', { ReferenceID: 7, ErrorCode: 58 }, row.attrs)).toBe(true);
      });
    });
  }

  it('a request without answerMatch settles on any event of its answering name', () => {
    const hold = desc('RequestHoldCall');
    expect(hold.answerMatch).toEqual([]);
    expect(isAnsweringEvent(hold, 'EventHeld', { ThisDN: 'elsewhere', ConnID: OTHER }, { ThisDN: AGENT, ConnID: HELD })).toBe(true);
    expect(isAnsweringEvent(hold, 'EventRetrieved', { ThisDN: AGENT, ConnID: HELD }, { ThisDN: AGENT, ConnID: HELD })).toBe(false);
  });

  it('answerMatch only constrains attributes the request carries', () => {
    // RequestRouteCall without OtherDN (route by default): matched on ThisDN and ConnID only.
    const route = desc('RequestRouteCall');
    expect(isAnsweringEvent(route, 'EventRouteUsed', { ThisDN: RP, ConnID: HELD, OtherDN: 'anything' }, { ThisDN: RP, ConnID: HELD })).toBe(
      true,
    );
  });

  it('the 1.0 requests keep settling as before (no answerMatch)', () => {
    const release = desc('RequestReleaseCall');
    expect(release.answerMatch).toEqual([]);
    expect(isAnsweringEvent(release, 'EventReleased', { ThisDN: AGENT, ConnID: HELD }, { ThisDN: AGENT, ConnID: HELD })).toBe(true);
  });
});
