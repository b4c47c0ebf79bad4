/**
 * validateEvent and validateRequestArgs: Mandatory attributes, the seeds' special rules, value
 * types and unknown names (issue "Foundation", Done when 5).
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ATTRIBUTES, type AttributeName } from '../../src/protocol/attributes.js';
import { EVENT_NAMES, MESSAGES, REQUEST_NAMES, messageByName } from '../../src/protocol/catalogue.js';
import { validateEvent, validateRequestArgs, type ValidationIssue } from '../../src/protocol/validate.js';
import { SAMPLE_VALUES, nestedKVList } from '../support/arbitraries.js';

const T = { seconds: 1_700_000_000, microseconds: 1 };

/** A valid value for an attribute (the second sample of its type: never an extreme). */
function sample(name: AttributeName): unknown {
  const s = SAMPLE_VALUES[ATTRIBUTES[name].type] as readonly unknown[];
  return s[1 % s.length];
}
/** Every Mandatory attribute of a message, filled; plus what its special rule needs. */
function mandatoryOf(name: string): Record<string, unknown> {
  const d = messageByName(name)!;
  const out: Record<string, unknown> = {};
  for (const a of d.mandatory) out[a] = sample(a);
  if (d.rule === 'atLeastOneOfAgentIDPlaceThisDN') out.ThisDN = '5001';
  return out;
}
const codes = (issues: ValidationIssue[]) => issues.map((i) => [i.code, i.attribute]);

describe('validateEvent: Mandatory attributes', () => {
  for (const name of EVENT_NAMES) {
    it(`${name}: valid with its Mandatory attributes, and each one missing is reported by name`, () => {
      const full = mandatoryOf(name);
      expect(validateEvent(name, full)).toEqual([]);
      for (const missing of messageByName(name)!.mandatory) {
        const attrs = { ...full, [missing]: undefined };
        const issues = validateEvent(name, attrs);
        expect(issues).toHaveLength(1);
        expect(issues[0]).toMatchObject({ code: 'ERR_MISSING_MANDATORY', messageName: name, attribute: missing });
        expect(issues[0].message).toBe(`Mandatory attribute ${missing} is missing`);
        expect(issues[0].detail).toContain(name);
        expect(issues[0].detail).toContain(missing);
      }
    });
  }

  it('several missing at once are all reported', () => {
    expect(codes(validateEvent('EventAttachedDataChanged', {}))).toEqual([
      ['ERR_MISSING_MANDATORY', 'ThisDN'],
      ['ERR_MISSING_MANDATORY', 'ConnID'],
      ['ERR_MISSING_MANDATORY', 'UserData'],
      ['ERR_MISSING_MANDATORY', 'time'],
    ]);
  });

  it('EventLinkConnected without time: "EventLinkConnected is missing Mandatory attribute time"', () => {
    const [issue] = validateEvent('EventLinkConnected', { ApplicationName: 'x' });
    expect(issue.detail).toBe('EventLinkConnected is missing Mandatory attribute time');
  });

  it('EventACK without ReferenceID is reported (its ReferenceID is Mandatory)', () => {
    expect(codes(validateEvent('EventACK', { time: T }))).toEqual([['ERR_MISSING_MANDATORY', 'ReferenceID']]);
  });

  it('EventRestoreConnection without ServerRole is reported; no time is needed', () => {
    expect(codes(validateEvent('EventRestoreConnection', {}))).toEqual([['ERR_MISSING_MANDATORY', 'ServerRole']]);
    expect(validateEvent('EventRestoreConnection', { ServerRole: 1 })).toEqual([]);
  });

  it('EventServerConnected needs nothing', () => {
    expect(validateEvent('EventServerConnected', {})).toEqual([]);
  });

  it('extra and unknown attributes are not the validator’s concern for received events', () => {
    expect(validateEvent('EventRegistered', { ThisDN: '1', time: T, ConnID: '0000000000000001', Foo: 1 })).toEqual([]);
  });

  it('an unknown event name, or a request name, is ERR_UNKNOWN_MESSAGE', () => {
    for (const name of ['EventNope', 'RequestQueryAddress', 'AddpPing', '']) {
      expect(codes(validateEvent(name, {}))).toEqual([['ERR_UNKNOWN_MESSAGE', undefined]]);
    }
  });
});

describe('the seeds’ special rules', () => {
  describe('EventAgentReserved: at least one of AgentID, Place, ThisDN', () => {
    it('none of them: ERR_RULE_VIOLATED naming the three', () => {
      const issues = validateEvent('EventAgentReserved', { time: T, Timeout: 1000 });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ code: 'ERR_RULE_VIOLATED', messageName: 'EventAgentReserved' });
      expect(issues[0].detail).toMatch(/AgentID.*Place.*ThisDN/);
    });

    for (const one of ['AgentID', 'Place', 'ThisDN']) {
      it(`${one} alone is enough`, () => {
        expect(validateEvent('EventAgentReserved', { time: T, [one]: 'x' })).toEqual([]);
      });
    }

    it('an empty string counts as present', () => {
      expect(validateEvent('EventAgentReserved', { time: T, Place: '' })).toEqual([]);
    });
  });

  describe('RequestReserveAgent: the same rule', () => {
    it('none of them: ERR_RULE_VIOLATED', () => {
      expect(codes(validateRequestArgs('RequestReserveAgent', { Timeout: 5000 }))).toEqual([['ERR_RULE_VIOLATED', 'AgentID/Place/ThisDN']]);
      expect(codes(validateRequestArgs('RequestReserveAgent', undefined))).toEqual([['ERR_RULE_VIOLATED', 'AgentID/Place/ThisDN']]);
    });

    for (const one of ['AgentID', 'Place', 'ThisDN']) {
      it(`${one} alone is enough`, () => {
        expect(validateRequestArgs('RequestReserveAgent', { [one]: 'x', Timeout: 5000 })).toEqual([]);
      });
    }
  });

  describe('EventACK: SubscriptionID Mandatory when answering a TransactionMonitoring SubscriptionStart', () => {
    const start = { answering: { name: 'RequestTransactionMonitoring', attributes: { SubscriptionOperation: 1 } } };

    it('answering SubscriptionStart without SubscriptionID: missing Mandatory SubscriptionID', () => {
      const issues = validateEvent('EventACK', { ReferenceID: 3, time: T }, start);
      expect(codes(issues)).toEqual([['ERR_MISSING_MANDATORY', 'SubscriptionID']]);
      expect(issues[0].detail).toContain('EventACK');
      expect(issues[0].detail).toContain('SubscriptionID');
    });

    it('answering SubscriptionStart with SubscriptionID: fine', () => {
      expect(validateEvent('EventACK', { ReferenceID: 3, time: T, SubscriptionID: 77 }, start)).toEqual([]);
    });

    for (const op of [2, 3]) {
      it(`answering SubscriptionOperation ${op} (stop/modify): not needed`, () => {
        const ctx = { answering: { name: 'RequestTransactionMonitoring', attributes: { SubscriptionOperation: op } } };
        expect(validateEvent('EventACK', { ReferenceID: 3, time: T }, ctx)).toEqual([]);
      });
    }

    it('answering another request, or with no context: not needed', () => {
      const other = { answering: { name: 'RequestSetInputMask', attributes: { SubscriptionOperation: 1 } } };
      expect(validateEvent('EventACK', { ReferenceID: 3, time: T }, other)).toEqual([]);
      expect(validateEvent('EventACK', { ReferenceID: 3, time: T })).toEqual([]);
      expect(validateEvent('EventACK', { ReferenceID: 3, time: T }, {})).toEqual([]);
    });

    it('the rule is EventACK’s only: another event answering a start is not asked for SubscriptionID', () => {
      expect(validateEvent('EventError', { ErrorCode: 1, time: T }, start)).toEqual([]);
    });
  });
});

describe('validateRequestArgs', () => {
  for (const name of REQUEST_NAMES) {
    it(`${name}: valid with its Mandatory attributes (which then encode), each one missing is reported`, () => {
      const args = mandatoryOf(name);
      expect(validateRequestArgs(name, args)).toEqual([]);
      expect(() => encodeFrame(messageByName(name)!.type, { ...args, ReferenceID: 1 })).not.toThrow();
      for (const missing of messageByName(name)!.mandatory) {
        const issues = validateRequestArgs(name, { ...args, [missing]: undefined });
        expect(codes(issues)).toEqual([['ERR_MISSING_MANDATORY', missing]]);
        expect(issues[0].messageName).toBe(name);
        expect(issues[0].message).toBe(`Mandatory attribute ${missing} is missing`);
      }
    });

    it(`${name}: every attribute it takes, filled with valid values of every kind, passes and encodes`, () => {
      const d = messageByName(name)!;
      for (let variant = 0; variant < 5; variant++) {
        const args: Record<string, unknown> = {};
        for (const a of d.attributes.keys()) {
          const s = SAMPLE_VALUES[ATTRIBUTES[a].type] as readonly unknown[];
          const sample = s[variant % s.length];
          // A Mandatory DN may not be empty (checked on its own below).
          args[a] = sample === '' && 'dn' in ATTRIBUTES[a] && d.attributes.get(a) === 'M' ? '1001' : sample;
        }
        expect(validateRequestArgs(name, args)).toEqual([]);
        expect(() => encodeFrame(d.type, args)).not.toThrow();
      }
    });
  }

  it('a request with no Mandatory attribute accepts undefined or {}', () => {
    expect(validateRequestArgs('RequestQueryServer', undefined)).toEqual([]);
    expect(validateRequestArgs('RequestQueryServer', {})).toEqual([]);
    expect(validateRequestArgs('RequestQueryLocation', {})).toEqual([]);
  });

  it('a request with Mandatory attributes and no arguments: each missing one is reported', () => {
    expect(codes(validateRequestArgs('RequestAgentLogin', undefined))).toEqual([
      ['ERR_MISSING_MANDATORY', 'ThisDN'],
      ['ERR_MISSING_MANDATORY', 'AgentID'],
    ]);
  });

  it('rejects unknown attribute names (a typo would otherwise be sent silently)', () => {
    const issues = validateRequestArgs('RequestQueryAddress', { ThisDN: '5001', ThisDn: '5001' });
    expect(codes(issues)).toEqual([['ERR_UNKNOWN_ATTRIBUTE', 'ThisDn']]);
    expect(issues[0].detail).toContain('ThisDn');
  });

  it('rejects attributes of the table that this request does not take', () => {
    expect(codes(validateRequestArgs('RequestQueryAddress', { ThisDN: '5001', ConnID: '0000000000000001' }))).toEqual([
      ['ERR_UNKNOWN_ATTRIBUTE', 'ConnID'],
    ]);
    expect(codes(validateRequestArgs('RequestQueryServer', { time: T }))).toEqual([['ERR_UNKNOWN_ATTRIBUTE', 'time']]);
  });

  it('rejects ReferenceID: the SDK assigns it', () => {
    for (const name of REQUEST_NAMES) {
      const issues = validateRequestArgs(name, { ...mandatoryOf(name), ReferenceID: 5 });
      expect(codes(issues), name).toEqual([['ERR_UNKNOWN_ATTRIBUTE', 'ReferenceID']]);
      expect(issues[0].detail).toMatch(/SDK/);
    }
  });

  it('rejects Event, Request and Server: they are not attributes', () => {
    expect(codes(validateRequestArgs('RequestQueryServer', { Request: 'RequestQueryServer', Server: 'x', Event: 'y' }))).toEqual([
      ['ERR_UNKNOWN_ATTRIBUTE', 'Request'],
      ['ERR_UNKNOWN_ATTRIBUTE', 'Server'],
      ['ERR_UNKNOWN_ATTRIBUTE', 'Event'],
    ]);
  });

  const WRONG: [string, string, unknown, RegExp][] = [
    ['RequestQueryAddress', 'ThisDN', 5001, /ThisDN must be a string, got number 5001/],
    ['RequestQueryAddress', 'AddressInfoType', '1', /AddressInfoType must be a 32-bit integer/],
    ['RequestQueryAddress', 'AddressInfoType', 2 ** 31, /AddressInfoType must be a 32-bit integer/],
    ['RequestQueryAddress', 'AddressInfoType', 1.5, /AddressInfoType must be a 32-bit integer/],
    ['RequestQueryAddress', 'ThisDN', null, /ThisDN must be a string, got null/],
    ['RequestSetInputMask', 'InputMask', [1, 2], /InputMask must be a Uint8Array/],
    ['RequestAnswerCall', 'ConnID', '00650194AB3C0001', /ConnID must be a ConnID of 16 lowercase hex digits/],
    ['RequestAnswerCall', 'ConnID', { connid: '00650194ab3c0001' }, /ConnID must be a ConnID/],
    ['RequestMakeCall', 'UserData', 'a=1', /UserData must be a kvlist/],
    ['RequestMakeCall', 'UserData', new Uint8Array(2), /UserData must be a kvlist/],
    ['RequestMakeCall', 'UserData', [['a']], /UserData\[0\] must be a \[key, value\] pair/],
    ['RequestMakeCall', 'UserData', [['a', true]], /UserData\.a must be a number, string, Uint8Array, nested kvlist or \{ connid \}/],
    ['RequestMakeCall', 'UserData', [['a', [['b', 0.5]]]], /UserData\.a\.b must be a 32-bit integer/],
    ['RequestMakeCall', 'UserData', { a: { b: 1 } }, /UserData\.a must be a number/],
    ['RequestMakeCall', 'UserData', nestedKVList(17), /UserData(\.level\d+)+ nests kvlists deeper than 16/],
    ['RequestMakeCall', 'UserData', [['k'.repeat(65_536), 1]], /UserData\[0\] key is longer than 65535 bytes/],
  ];
  for (const [request, attribute, value, detail] of WRONG) {
    it(`wrong type: ${request} ${attribute} = ${String(value).slice(0, 30)} is ERR_INVALID_VALUE naming ${attribute}`, () => {
      const args = { ...mandatoryOf(request), [attribute]: value };
      const issues = validateRequestArgs(request, args);
      const invalid = issues.filter((i) => i.code === 'ERR_INVALID_VALUE');
      expect(invalid).toHaveLength(1);
      expect(invalid[0]).toMatchObject({ messageName: request, attribute });
      expect(invalid[0].message).toMatch(detail);
      expect(invalid[0].message).not.toContain(request);
      expect(invalid[0].detail).toMatch(detail);
      expect(invalid[0].detail.startsWith(`${request}: `)).toBe(true);
      // And the encoder refuses the same value.
      expect(() => encodeFrame(messageByName(request)!.type, args)).toThrow(expect.objectContaining({ code: 'ERR_ENCODE' }));
    });
  }

  it('a kvlist nested 10,000 deep is reported, without a stack overflow', () => {
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [['k', deep]];
    const issues = validateRequestArgs('RequestMakeCall', { ThisDN: '1', OtherDN: '2', UserData: deep });
    expect(codes(issues)).toEqual([['ERR_INVALID_VALUE', 'UserData']]);
    expect(issues[0].detail).toMatch(/deeper than 16/);
  });

  it('accepts the input forms: a plain object for a kvlist, a Date for a time', () => {
    expect(validateRequestArgs('RequestMakeCall', { ThisDN: '1', OtherDN: '2', UserData: { a: 1, b: [['c', 'd']] } })).toEqual([]);
    expect(validateRequestArgs('RequestMakeCall', { ThisDN: '1', OtherDN: '2', Extensions: {} })).toEqual([]);
  });

  it('reports every problem, not just the first', () => {
    const issues = validateRequestArgs('RequestAgentLogin', { AgentID: 7, Nope: 1, ReferenceID: 1 });
    expect(codes(issues)).toEqual([
      ['ERR_INVALID_VALUE', 'AgentID'],
      ['ERR_UNKNOWN_ATTRIBUTE', 'Nope'],
      ['ERR_UNKNOWN_ATTRIBUTE', 'ReferenceID'],
      ['ERR_MISSING_MANDATORY', 'ThisDN'],
    ]);
  });

  it('arguments that are not an object are ERR_INVALID_VALUE', () => {
    for (const args of ['ThisDN', 5, [['ThisDN', '1']]]) {
      expect(codes(validateRequestArgs('RequestQueryAddress', args as never))).toEqual([['ERR_INVALID_VALUE', undefined]]);
    }
  });

  it('an unknown request name, or an event name, is ERR_UNKNOWN_MESSAGE', () => {
    for (const name of ['RequestNope', 'EventACK', 'AddpPing']) {
      expect(codes(validateRequestArgs(name, {}))).toEqual([['ERR_UNKNOWN_MESSAGE', undefined]]);
    }
  });

  it('covers every request of the catalogue that can be sent', () => {
    expect(REQUEST_NAMES).toHaveLength(MESSAGES.filter((d) => d.kind === 'request' && !d.catalogueOnly).length);
  });

  it('a T-Library request the protocol does not define is refused as ERR_NOT_IN_PROTOCOL: it can never be sent', () => {
    for (const [name, type] of [
      ['RequestGiveMusicTreatment', 37],
      ['RequestRegisterAll', 5],
      ['RequestNetworkConsult', 171],
    ] as const) {
      const issues = validateRequestArgs(name, {});
      expect(codes(issues), name).toEqual([['ERR_NOT_IN_PROTOCOL', undefined]]);
      expect(issues[0].detail).toBe(
        `${name} is a T-Library request (type ${type}) that the wire protocol does not define, known by name only: it cannot be sent`,
      );
    }
  });
});
