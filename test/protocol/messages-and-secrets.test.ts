/**
 * Issue 18 item 4 (validation messages state the problem; empty DNs refused locally; strings quoted)
 * and issue 12 item 1 (Password never in errors or debug output; named enums with the spec's numbers).
 */
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_BY_NAME, REDACTED, redactAttributes } from '../../src/protocol/attributes.js';
import {
  AddressType,
  AgentWorkMode,
  CallType,
  DNRole,
  ForwardMode,
  MakeCallType,
  MonitorNextCallType,
  RouteType,
  TreatmentType,
} from '../../src/protocol/enums.js';
import * as publicApi from '../../src/index.js';
import { validateRequestArgs } from '../../src/protocol/validate.js';
import { showValue } from '../../src/protocol/values.js';

const CONN = '00000000000000a1';

describe('each issue states the problem, not the request name', () => {
  const BAD: [string, Record<string, unknown> | undefined, RegExp][] = [
    ['RequestHoldCall', { ThisDN: '1001' }, /^Mandatory attribute ConnID is missing$/],
    ['RequestHoldCall', { ThisDN: '1001', ConnID: 'nope' }, /^ConnID must be a ConnID of 16 lowercase hex digits, got "nope"$/],
    ['RequestReserveAgent', { ThisDN: '1001', Timeout: '5000' }, /^Timeout must be a 32-bit integer, got "5000"$/],
    ['RequestReserveAgent', {}, /^at least one of AgentID, Place or ThisDN is needed$/],
    ['RequestQueryAddress', { ThisDN: '1001', ThisDn: '1001' }, /^attribute ThisDn is not taken by this request$/],
    ['RequestRegisterAddress', { ThisDN: '' }, /^ThisDN must be a non-empty DN, got ""$/],
    ['RequestNope', {}, /^not a request of the catalogue$/],
  ];
  for (const [request, args, problem] of BAD) {
    it(`${request} ${JSON.stringify(args)}: ${problem.source}`, () => {
      const issues = validateRequestArgs(request, args);
      expect(issues).toHaveLength(1);
      expect(issues[0].message).toMatch(problem);
      expect(issues[0].message).not.toContain(request);
      expect(issues[0].messageName).toBe(request);
      // The detail still names both, for the error's message.
      expect(issues[0].detail).toContain(request);
    });
  }

  it('type errors quote strings: got "5000", never got 5000', () => {
    expect(showValue('5000')).toBe('"5000"');
    expect(showValue(5000)).toBe('number 5000');
    const [issue] = validateRequestArgs('RequestQuerySwitch', { SwitchInfoType: '7' });
    expect(issue.message).toContain('got "7"');
  });
});

describe('an empty DN is refused locally', () => {
  it('RequestRegisterAddress with ThisDN "" or only spaces', () => {
    for (const dn of ['', '   ']) {
      const issues = validateRequestArgs('RequestRegisterAddress', { ThisDN: dn });
      expect(issues).toEqual([
        expect.objectContaining({
          code: 'ERR_INVALID_VALUE',
          attribute: 'ThisDN',
          message: `ThisDN must be a non-empty DN, got ${JSON.stringify(dn)}`,
        }),
      ]);
    }
  });

  it('a Mandatory OtherDN too (MakeCall, transfers, forward)', () => {
    for (const [request, args] of [
      ['RequestMakeCall', { ThisDN: '1001', OtherDN: '' }],
      ['RequestInitiateTransfer', { ThisDN: '1001', ConnID: CONN, OtherDN: '' }],
      ['RequestCallForwardSet', { ThisDN: '1001', OtherDN: '' }],
    ] as const) {
      expect(
        validateRequestArgs(request, args).map((i) => [i.code, i.attribute]),
        request,
      ).toEqual([['ERR_INVALID_VALUE', 'OtherDN']]);
    }
  });

  it('an Optional DN may be empty (RouteCall without a destination routes by default)', () => {
    expect(validateRequestArgs('RequestRouteCall', { ThisDN: '5000', ConnID: CONN, OtherDN: '' })).toEqual([]);
  });
});

describe('Password is never quoted back', () => {
  it('is a secret attribute of the table, and no other is', () => {
    expect([...ATTRIBUTE_BY_NAME.values()].filter((a) => a.secret).map((a) => a.name)).toEqual(['Password']);
  });

  it('a Password of the wrong type is reported without its value', () => {
    for (const secret of [987654, { pin: 'hunter2' }, ['hunter2']]) {
      const issues = validateRequestArgs('RequestAgentLogin', { ThisDN: '1001', AgentID: 'a1', Password: secret });
      expect(issues.map((i) => [i.code, i.attribute])).toEqual([['ERR_INVALID_VALUE', 'Password']]);
      const text = JSON.stringify(issues);
      expect(text).not.toContain('987654');
      expect(text).not.toContain('hunter2');
      expect(issues[0].message).toMatch(/Password must be a string, got an? \w+ \(value not shown\)/);
    }
  });

  it('a string Password is valid', () => {
    expect(validateRequestArgs('RequestAgentLogin', { ThisDN: '1001', AgentID: 'a1', Password: 's3cret' })).toEqual([]);
  });

  it('redactAttributes replaces it with *** in a copy, and leaves everything else', () => {
    const attrs = { ThisDN: '1001', AgentID: 'a1', Password: 's3cret', Reasons: [['k', 1]] };
    const safe = redactAttributes(attrs);
    expect(safe).toEqual({ ThisDN: '1001', AgentID: 'a1', Password: REDACTED, Reasons: [['k', 1]] });
    expect(REDACTED).toBe('***');
    expect(attrs.Password).toBe('s3cret'); // the request itself still carries it
    expect(JSON.stringify(safe)).not.toContain('s3cret');
  });

  it('redactAttributes also hides kvlist entries whose key names a password, at any depth', () => {
    const attrs = {
      ThisDN: '1001',
      UserData: [
        ['agentPassword', 'hunter2'],
        [
          'nested',
          [
            ['PASSWORD', 'x'],
            ['ok', 1],
          ],
        ],
        ['Case', 7],
      ],
    };
    expect(redactAttributes(attrs)).toEqual({
      ThisDN: '1001',
      UserData: [
        ['agentPassword', REDACTED],
        [
          'nested',
          [
            ['PASSWORD', REDACTED],
            ['ok', 1],
          ],
        ],
        ['Case', 7],
      ],
    });
    expect(attrs.UserData[0][1]).toBe('hunter2');
    const plain = {
      ThisDN: '1001',
      UserData: [
        ['a', 1],
        ['b', [['c', 'd']]],
      ],
    };
    expect(redactAttributes(plain)).toBe(plain);
  });

  it('redactAttributes returns the same object when there is nothing to hide', () => {
    const attrs = { ThisDN: '1001', ConnID: CONN };
    expect(redactAttributes(attrs)).toBe(attrs);
    const undef = { ThisDN: '1001', Password: undefined };
    expect(redactAttributes(undef)).toBe(undef);
  });
});

describe('named enums: the spec 1.1 numbers', () => {
  it('AgentWorkMode: 0 unknown … 3 after-call work … 7 return back', () => {
    expect(AgentWorkMode).toEqual({
      Unknown: 0,
      ManualIn: 1,
      AutoIn: 2,
      AfterCallWork: 3,
      AuxWork: 4,
      NoCallDisconnect: 5,
      WalkAway: 6,
      ReturnBack: 7,
    });
  });

  it('ForwardMode 1–5, RouteType 1/2/6/7/10/13, CallType 0–4, MakeCallType 0–4, MonitorNextCallType 0/1', () => {
    expect([
      ForwardMode.Unconditional,
      ForwardMode.OnBusy,
      ForwardMode.OnNoAnswer,
      ForwardMode.OnBusyAndNoAnswer,
      ForwardMode.SendAllCalls,
    ]).toEqual([1, 2, 3, 4, 5]);
    expect([RouteType.Default, RouteType.Label, RouteType.Direct, RouteType.Reject, RouteType.DirectAgent, RouteType.AgentID]).toEqual([
      1, 2, 6, 7, 10, 13,
    ]);
    expect(CallType).toEqual({ Unknown: 0, Internal: 1, Inbound: 2, Outbound: 3, Consult: 4 });
    expect(MakeCallType).toEqual({ Regular: 0, DirectAgent: 1, SupervisorAssist: 2, Priority: 3, DirectPriority: 4 });
    expect(MonitorNextCallType).toEqual({ OneCall: 0, AllCalls: 1 });
  });

  it('DNRole 0–10, AddressType 3 queue / 4 routing point, TreatmentType 2 music 3 ring back 4 silence 5 busy', () => {
    expect(Object.values(DNRole)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([DNRole.Origination, DNRole.Destination, DNRole.ConferenceMember, DNRole.Observer]).toEqual([1, 2, 3, 10]);
    expect([AddressType.Queue, AddressType.RoutingPoint]).toEqual([3, 4]);
    expect([TreatmentType.Music, TreatmentType.RingBack, TreatmentType.Silence, TreatmentType.Busy]).toEqual([2, 3, 4, 5]);
  });

  it('are exported from the package entry point, with redactAttributes', () => {
    for (const name of [
      'AgentWorkMode',
      'ForwardMode',
      'RouteType',
      'CallType',
      'DNRole',
      'MakeCallType',
      'AddressType',
      'TreatmentType',
      'MonitorNextCallType',
      'AgentStatus',
      'redactAttributes',
    ]) {
      expect(publicApi, name).toHaveProperty(name);
    }
  });
});
