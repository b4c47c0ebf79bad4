/**
 * The catalogue against the spec and the seeds (issue "Foundation", Done when 5). Every expected
 * table below is written by hand from shared/wire-protocol.md and the seed pages, not derived from
 * the code under test.
 */
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_BY_ID, ATTRIBUTE_BY_NAME, ATTRIBUTES } from '../../src/protocol/attributes.js';
import {
  ADDP_PING,
  ADDP_PONG,
  EVENT_NAMES,
  MESSAGES,
  REQUEST_NAMES,
  attributeDescriptor,
  isEventName,
  isRequestName,
  messageByName,
  messageByType,
  type MessageDescriptor,
} from '../../src/protocol/catalogue.js';

type Table = Record<string, 'M' | 'O'>;

function desc(name: string): MessageDescriptor {
  const d = messageByName(name);
  if (!d) throw new Error(`${name} is not in the catalogue`);
  return d;
}
function presence(name: string, attribute: string): 'M' | 'O' | undefined {
  return desc(name).attributes.get(attribute as never);
}
function table(name: string): Table {
  return Object.fromEntries(desc(name).attributes) as Table;
}

// wire-protocol.md, "Requests" and "Events" and "Keep-alive": type → name.
const REQUEST_TYPES: Record<number, string> = {
  0: 'RequestRegisterClient',
  1: 'RequestQueryServer',
  2: 'RequestQueryAddress',
  3: 'RequestRegisterAddress',
  4: 'RequestUnregisterAddress',
  7: 'RequestSetInputMask',
  8: 'RequestAgentLogin',
  9: 'RequestAgentLogout',
  10: 'RequestAgentReady',
  11: 'RequestAgentNotReady',
  14: 'RequestMakeCall',
  16: 'RequestAnswerCall',
  17: 'RequestReleaseCall',
  30: 'RequestAttachUserData',
  48: 'RequestDistributeUserEvent',
  108: 'RequestQueryCall',
  127: 'RequestReserveAgent',
  136: 'RequestQueryLocation',
  149: 'RequestPrivateService',
  180: 'RequestTransactionMonitoring',
};
const EVENT_TYPES: Record<number, string> = {
  50: 'EventServerConnected',
  51: 'EventServerDisconnected',
  52: 'EventError',
  53: 'EventRegistered',
  54: 'EventUnregistered',
  60: 'EventRinging',
  61: 'EventDialing',
  64: 'EventEstablished',
  65: 'EventReleased',
  73: 'EventAgentLogin',
  74: 'EventAgentLogout',
  75: 'EventAgentReady',
  76: 'EventAgentNotReady',
  85: 'EventAttachedDataChanged',
  92: 'EventAddressInfo',
  93: 'EventServerInfo',
  94: 'EventLinkDisconnected',
  95: 'EventLinkConnected',
  96: 'EventUserEvent',
  99: 'EventResourceAllocated',
  100: 'EventResourceFreed',
  109: 'EventPartyInfo',
  112: 'EventCallInfoChanged',
  117: 'EventHardwareError',
  128: 'EventAgentReserved',
  132: 'EventRestoreConnection',
  133: 'EventPrimaryChanged',
  137: 'EventLocationInfo',
  138: 'EventACK',
  150: 'EventPrivateInfo',
  181: 'EventTransactionStatus',
};
const ADDP_TYPES: Record<number, string> = { 0xfff0: 'AddpPing', 0xfff1: 'AddpPong' };

// wire-protocol.md, "Attributes": id → [name, type].
const ATTRIBUTE_TABLE: Record<number, [string, string]> = {
  1: ['ErrorMessage', 'string'],
  2: ['ReferenceID', 'int'],
  9: ['ConnID', 'connid'],
  10: ['PreviousConnID', 'connid'],
  13: ['CallState', 'int'],
  14: ['AgentID', 'string'],
  16: ['AgentWorkMode', 'int'],
  20: ['ThisDN', 'string'],
  24: ['OtherDN', 'string'],
  42: ['Timeout', 'int'],
  45: ['InputMask', 'binary'],
  46: ['ErrorCode', 'int'],
  47: ['AddressType', 'int'],
  49: ['RegisterMode', 'int'],
  51: ['UserData', 'kvlist'],
  53: ['Extensions', 'kvlist'],
  56: ['AddressInfoType', 'int'],
  58: ['UserEvent', 'int'],
  61: ['ServerVersion', 'string'],
  62: ['ServerRole', 'int'],
  64: ['ApplicationName', 'string'],
  69: ['Location', 'string'],
  74: ['CallInfoType', 'int'],
  76: ['CustomerID', 'string'],
  86: ['time', 'time'],
  92: ['Place', 'string'],
  98: ['LocationInfoType', 'int'],
  105: ['PrivateMsgID', 'int'],
  108: ['SessionID', 'string'],
  147: ['ServerStartTime', 'time'],
  148: ['EventSequenceNumber', 'int'],
  1001: ['Reasons', 'kvlist'],
  1002: ['PrivateEvent', 'int'],
  1003: ['SubscriptionID', 'int'],
  1004: ['SubscriptionOperation', 'int'],
  1005: ['TransactionType', 'int'],
  1006: ['AgentStatus', 'int'],
  1007: ['ClientVersion', 'string'],
  1008: ['AddpTimeout', 'int'],
};

describe('wire types and names (wire-protocol.md)', () => {
  const all = { ...REQUEST_TYPES, ...EVENT_TYPES, ...ADDP_TYPES };

  it('every wire type in the spec tables maps to the right name, and back', () => {
    for (const [type, name] of Object.entries(all)) {
      expect(messageByType(Number(type))?.name, `type ${type}`).toBe(name);
      expect(messageByName(name)?.type, name).toBe(Number(type));
    }
  });

  it('the catalogue has no message beyond the T-Library enumeration 0–182 and ADDP', () => {
    // The 1.0 rows above are a subset; catalogue-v11.test.ts checks all 0–182 names and nothing beyond.
    expect(
      MESSAGES.filter((d) => d.type > 182)
        .map((d) => `${d.type}:${d.name}`)
        .sort(),
    ).toEqual(
      Object.entries(ADDP_TYPES)
        .map(([t, n]) => `${t}:${n}`)
        .sort(),
    );
  });

  it('kinds: requests, events, ADDP', () => {
    for (const name of Object.values(REQUEST_TYPES)) {
      expect(desc(name).kind).toBe('request');
      expect(isRequestName(name)).toBe(true);
      expect(isEventName(name)).toBe(false);
    }
    for (const name of Object.values(EVENT_TYPES)) {
      expect(desc(name).kind).toBe('event');
      expect(isEventName(name)).toBe(true);
      expect(isRequestName(name)).toBe(false);
    }
    for (const name of Object.values(EVENT_TYPES)) expect(EVENT_NAMES).toContain(name);
    for (const name of Object.values(REQUEST_TYPES)) expect(REQUEST_NAMES).toContain(name);
    expect(isEventName('AddpPing')).toBe(false);
    expect(isEventName(undefined)).toBe(false);
    expect(isRequestName(42)).toBe(false);
  });

  it('ADDP: 0xfff0 AddpPing and 0xfff1 AddpPong, no attributes, never shown to the user', () => {
    expect(ADDP_PING).toBe(0xfff0);
    expect(ADDP_PONG).toBe(0xfff1);
    for (const name of ['AddpPing', 'AddpPong']) {
      expect(desc(name).kind).toBe('addp');
      expect(desc(name).attributes.size).toBe(0);
      expect(desc(name).internal).toBe(true);
    }
  });

  it('unknown types and names are undefined', () => {
    for (const t of [183, 500, 0xfff2, 0xffff, -1, 1.5]) expect(messageByType(t)).toBeUndefined();
    expect(messageByName('EventNope')).toBeUndefined();
    expect(messageByName('toString')).toBeUndefined();
  });
});

describe('attribute table (wire-protocol.md, "Attributes")', () => {
  it('every attribute has the spec id and value type, both ways', () => {
    for (const [id, [name, type]] of Object.entries(ATTRIBUTE_TABLE)) {
      expect(ATTRIBUTE_BY_ID[Number(id)], `id ${id}`).toMatchObject({ id: Number(id), name, type });
      expect(ATTRIBUTE_BY_NAME.get(name)?.id, name).toBe(Number(id));
      expect(attributeDescriptor(name)?.type).toBe(type);
    }
  });

  it('value type codes: int 1, string 2, binary 3, kvlist 4, connid 5, time 6', () => {
    const codes: Record<string, number> = { int: 1, string: 2, binary: 3, kvlist: 4, connid: 5, time: 6 };
    for (const d of ATTRIBUTE_BY_NAME.values()) expect(d.typeCode, d.name).toBe(codes[d.type]);
  });

  it('the 1.0 attributes are all there (catalogue-v11.test.ts checks the whole table)', () => {
    for (const [name] of Object.values(ATTRIBUTE_TABLE)) expect(Object.keys(ATTRIBUTES)).toContain(name);
  });
});

describe('requests (wire-protocol.md, "Requests"): attributes and answers', () => {
  // The parenthesised lists, M marked; "answered by".
  const REQUESTS: Record<string, [Table, string[]]> = {
    RequestRegisterClient: [
      { ApplicationName: 'M', ClientVersion: 'O', AddpTimeout: 'O' },
      ['EventLinkConnected', 'EventLinkDisconnected'],
    ],
    RequestQueryServer: [{}, ['EventServerInfo']],
    RequestQueryAddress: [{ ThisDN: 'M', AddressInfoType: 'O' }, ['EventAddressInfo']],
    RequestRegisterAddress: [{ ThisDN: 'M', RegisterMode: 'O', AddressType: 'O' }, ['EventRegistered']],
    RequestUnregisterAddress: [{ ThisDN: 'M' }, ['EventUnregistered']],
    RequestSetInputMask: [{ InputMask: 'M' }, ['EventACK']],
    RequestAgentLogin: [{ ThisDN: 'M', AgentID: 'M', Place: 'O', AgentWorkMode: 'O' }, ['EventAgentLogin']],
    RequestAgentLogout: [{ ThisDN: 'M' }, ['EventAgentLogout']],
    RequestAgentReady: [{ ThisDN: 'M' }, ['EventAgentReady']],
    RequestAgentNotReady: [{ ThisDN: 'M', Reasons: 'O' }, ['EventAgentNotReady']],
    RequestMakeCall: [{ ThisDN: 'M', OtherDN: 'M', UserData: 'O' }, ['EventDialing']],
    RequestAnswerCall: [{ ThisDN: 'M', ConnID: 'M' }, ['EventEstablished']],
    RequestReleaseCall: [{ ThisDN: 'M', ConnID: 'M' }, ['EventReleased']],
    RequestAttachUserData: [{ ThisDN: 'M', ConnID: 'M', UserData: 'M' }, ['EventAttachedDataChanged']],
    RequestDistributeUserEvent: [{ ThisDN: 'M', UserData: 'O', CustomerID: 'O' }, ['EventACK']],
    RequestQueryCall: [{ ConnID: 'M', CallInfoType: 'O' }, ['EventPartyInfo']],
    RequestReserveAgent: [{ ThisDN: 'O', AgentID: 'O', Place: 'O', Timeout: 'O' }, ['EventAgentReserved']],
    RequestQueryLocation: [{ Location: 'O', LocationInfoType: 'O' }, ['EventLocationInfo']],
    RequestPrivateService: [{ PrivateMsgID: 'M', ThisDN: 'O', ConnID: 'O', UserData: 'O' }, ['EventACK', 'EventPrivateInfo']],
    RequestTransactionMonitoring: [
      { SubscriptionOperation: 'M', SubscriptionID: 'O', TransactionType: 'O', Extensions: 'O' },
      ['EventACK'],
    ],
  };

  // Version 1.1 "Requests added or extended": the extra attributes.
  const EXTENDED_IN_V11: Record<string, Table> = {
    RequestAgentLogin: { ThisQueue: 'O', Password: 'O', AgentWorkMode: 'O' },
    RequestAgentReady: { ThisQueue: 'O', AgentWorkMode: 'O' },
    RequestAgentNotReady: { ThisQueue: 'O', AgentWorkMode: 'O' },
    RequestMakeCall: { Location: 'O', MakeCallType: 'O' },
  };
  // Version 1.2 "Requests added": Logout, Answer and Release "also take ThisQueue".
  const EXTENDED_IN_V12: Record<string, Table> = {
    RequestAgentLogout: { ThisQueue: 'O' },
    RequestAnswerCall: { ThisQueue: 'O' },
    RequestReleaseCall: { ThisQueue: 'O' },
  };

  for (const [name, [attrs, answers]] of Object.entries(REQUESTS)) {
    it(`${name}: ${
      Object.entries(attrs)
        .map(([a, p]) => `${a} ${p}`)
        .join(', ') || 'no attributes'
    }`, () => {
      // Exactly the spec's list, plus Reasons and Extensions (Optional), which every request takes (1.2).
      expect(table(name)).toEqual({ Reasons: 'O', Extensions: 'O', ...attrs, ...EXTENDED_IN_V11[name], ...EXTENDED_IN_V12[name] });
      expect(desc(name).mandatory.slice().sort()).toEqual(
        Object.keys(attrs)
          .filter((a) => attrs[a] === 'M')
          .sort(),
      );
      expect([...desc(name).answeredBy].sort()).toEqual([...answers].sort());
      // ReferenceID is the SDK's: never an argument.
      expect(presence(name, 'ReferenceID')).toBeUndefined();
    });
  }

  it('every answering event is an event of the catalogue', () => {
    for (const d of MESSAGES.filter((m) => m.kind === 'request')) {
      for (const e of d.answeredBy) expect(isEventName(e), `${d.name} → ${e}`).toBe(true);
    }
  });

  it('RequestReserveAgent carries the "at least one of AgentID, Place, ThisDN" rule', () => {
    expect(desc('RequestReserveAgent').rule).toBe('atLeastOneOfAgentIDPlaceThisDN');
  });
});

describe('events of the seeds: Mandatory/Optional per the seed tables', () => {
  // Seed tables by hand, without Event and Server (not on the wire, added by the receiver).
  const SEED: Record<string, Table> = {
    // 000 General Events
    EventServerConnected: { Extensions: 'O' },
    EventServerDisconnected: { Extensions: 'O' },
    EventLinkConnected: { ApplicationName: 'O', SessionID: 'O', CustomerID: 'O', time: 'M', Extensions: 'O' },
    EventLinkDisconnected: {
      ApplicationName: 'O',
      SessionID: 'O',
      CustomerID: 'O',
      ErrorCode: 'O',
      ErrorMessage: 'O',
      time: 'M',
      Extensions: 'O',
    },
    // 001 Special Events
    EventACK: { ReferenceID: 'M', time: 'M', UserEvent: 'O', Extensions: 'O', SubscriptionID: 'O' },
    EventAgentReserved: {
      AgentID: 'O',
      Place: 'O',
      Reasons: 'O',
      ReferenceID: 'O',
      ThisDN: 'O',
      Timeout: 'O',
      time: 'M',
      Extensions: 'O',
    },
    EventCallInfoChanged: { ConnID: 'M', CustomerID: 'O', Extensions: 'O', ReferenceID: 'O', time: 'M' },
    EventPrivateInfo: {
      PrivateEvent: 'M',
      Reasons: 'O',
      UserData: 'O',
      Extensions: 'O',
      ReferenceID: 'O',
      ConnID: 'O',
      ThisDN: 'O',
      time: 'M',
    },
    EventUserEvent: { CustomerID: 'O', ThisDN: 'M', time: 'M', Extensions: 'O' },
    EventPrimaryChanged: { ApplicationName: 'O', time: 'M' },
    EventRestoreConnection: { ServerRole: 'M', UserData: 'O' },
    EventHardwareError: {
      CustomerID: 'O',
      ThisDN: 'O',
      ConnID: 'O',
      PreviousConnID: 'O',
      ErrorCode: 'O',
      time: 'M',
      Extensions: 'O',
    },
    EventResourceAllocated: {},
    EventResourceFreed: {},
  };
  /** What the spec adds to every event from the wire: "every event may carry ...", and ReferenceID when answering. */
  const WIRE_EXTRAS: Table = { EventSequenceNumber: 'O', ServerStartTime: 'O', ReferenceID: 'O' };
  /** Additions the catalogue makes on its own, documented in messages.ts. */
  const CATALOGUE_EXTRAS: Record<string, Table> = {
    // "Other attributes are specified by the initiator of this event" (RequestDistributeUserEvent's UserData).
    EventUserEvent: { UserData: 'O' },
  };

  for (const [name, seed] of Object.entries(SEED)) {
    it(`${name}: the seed table, ${Object.keys(seed).length} attributes`, () => {
      const d = desc(name);
      expect(d.fromSeed).toBe(true);
      const t = table(name);
      // Every seed row, with the seed's presence.
      for (const [attribute, p] of Object.entries(seed)) expect(t[attribute], `${name}.${attribute}`).toBe(p);
      // Mandatory: exactly the seed's.
      expect(d.mandatory.slice().sort()).toEqual(
        Object.keys(seed)
          .filter((a) => seed[a] === 'M')
          .sort(),
      );
      // Anything else is one of the spec's wire-wide extras or a documented addition, Optional.
      const allowed = { ...(d.synthesized ? {} : WIRE_EXTRAS), ...CATALOGUE_EXTRAS[name] };
      for (const [attribute, p] of Object.entries(t)) {
        if (attribute in seed) continue;
        expect(allowed[attribute], `${name} has ${attribute}, not in the seed`).toBe(p);
      }
    });
  }

  it('EventLinkConnected: time Mandatory, ApplicationName Optional', () => {
    expect(presence('EventLinkConnected', 'time')).toBe('M');
    expect(presence('EventLinkConnected', 'ApplicationName')).toBe('O');
  });

  it('EventLinkDisconnected: time Mandatory, ErrorCode and ErrorMessage Optional', () => {
    expect(presence('EventLinkDisconnected', 'time')).toBe('M');
    expect(presence('EventLinkDisconnected', 'ErrorCode')).toBe('O');
    expect(presence('EventLinkDisconnected', 'ErrorMessage')).toBe('O');
  });

  it('EventACK: ReferenceID Mandatory (not the usual Optional), SubscriptionID Optional with its answering rule', () => {
    expect(presence('EventACK', 'ReferenceID')).toBe('M');
    expect(presence('EventACK', 'SubscriptionID')).toBe('O');
    expect(desc('EventACK').rule).toBe('subscriptionIdOnStart');
  });

  it('EventAgentReserved: AgentID, Place, ThisDN all Optional, with the "at least one" rule', () => {
    for (const a of ['AgentID', 'Place', 'ThisDN']) expect(presence('EventAgentReserved', a)).toBe('O');
    expect(desc('EventAgentReserved').rule).toBe('atLeastOneOfAgentIDPlaceThisDN');
  });

  it('EventCallInfoChanged: ConnID Mandatory', () => {
    expect(presence('EventCallInfoChanged', 'ConnID')).toBe('M');
  });

  it('EventPrivateInfo: PrivateEvent Mandatory', () => {
    expect(presence('EventPrivateInfo', 'PrivateEvent')).toBe('M');
  });

  it('EventUserEvent: ThisDN Mandatory', () => {
    expect(presence('EventUserEvent', 'ThisDN')).toBe('M');
  });

  it('EventPrimaryChanged: time Mandatory', () => {
    expect(presence('EventPrimaryChanged', 'time')).toBe('M');
  });

  it('EventRestoreConnection: ServerRole Mandatory, flagged internal (never delivered to users)', () => {
    expect(presence('EventRestoreConnection', 'ServerRole')).toBe('M');
    expect(presence('EventRestoreConnection', 'UserData')).toBe('O');
    expect(desc('EventRestoreConnection').internal).toBe(true);
    const internalEvents = MESSAGES.filter((d) => d.kind === 'event' && d.internal).map((d) => d.name);
    expect(internalEvents).toEqual(['EventRestoreConnection']);
  });

  it('EventServerConnected/Disconnected: synthesized (types 50/51), only Extensions', () => {
    for (const [name, type] of [
      ['EventServerConnected', 50],
      ['EventServerDisconnected', 51],
    ] as const) {
      expect(desc(name).type).toBe(type);
      expect(desc(name).synthesized).toBe(true);
      expect(table(name)).toEqual({ Extensions: 'O' });
    }
    expect(messageByType(50)?.synthesized).toBe(true);
    expect(messageByType(51)?.synthesized).toBe(true);
    expect(
      MESSAGES.filter((d) => d.synthesized)
        .map((d) => d.type)
        .sort(),
    ).toEqual([50, 51]);
  });

  it('EventResourceAllocated/Freed: flagged obsolete, and nothing else is', () => {
    expect(desc('EventResourceAllocated').obsolete).toBe(true);
    expect(desc('EventResourceFreed').obsolete).toBe(true);
    expect(
      MESSAGES.filter((d) => d.obsolete)
        .map((d) => d.name)
        .sort(),
    ).toEqual(['EventResourceAllocated', 'EventResourceFreed']);
  });

  it('EventHardwareError: everything Optional but time', () => {
    expect(desc('EventHardwareError').mandatory).toEqual(['time']);
  });
});

describe('events the seeds do not list: wire spec list + the usual T-Library content', () => {
  // The parenthesised lists of wire-protocol.md, "Events".
  const SPEC: Record<string, Table> = {
    EventError: { ErrorCode: 'M', ErrorMessage: 'O', ReferenceID: 'O' },
    EventRegistered: { ThisDN: 'M', AgentID: 'O', AgentStatus: 'O' },
    EventUnregistered: { ThisDN: 'M' },
    EventRinging: { ThisDN: 'M', ConnID: 'M', OtherDN: 'O', UserData: 'O' },
    EventDialing: { ThisDN: 'M', ConnID: 'M', OtherDN: 'O', UserData: 'O' },
    EventEstablished: { ThisDN: 'M', ConnID: 'M', OtherDN: 'O' },
    EventReleased: { ThisDN: 'M', ConnID: 'M' },
    EventAgentLogin: { ThisDN: 'M', AgentID: 'M', Place: 'O' },
    EventAgentLogout: { ThisDN: 'M', AgentID: 'O' },
    EventAgentReady: { ThisDN: 'M', AgentID: 'O' },
    EventAgentNotReady: { ThisDN: 'M', AgentID: 'O', Reasons: 'O' },
    EventAttachedDataChanged: { ThisDN: 'M', ConnID: 'M', UserData: 'M' },
    EventAddressInfo: { ThisDN: 'M', AgentID: 'O', AgentStatus: 'O', ConnID: 'O' },
    EventServerInfo: { ServerVersion: 'O', ServerRole: 'O' },
    EventPartyInfo: { ConnID: 'M', ThisDN: 'O', OtherDN: 'O', CallState: 'O', UserData: 'O' },
    EventLocationInfo: { Location: 'O' },
    EventTransactionStatus: { SubscriptionID: 'M', Extensions: 'O' },
  };
  // "ThisDN, ConnID, ReferenceID (when answering), time (M), Extensions", and every event may carry
  // EventSequenceNumber and ServerStartTime.
  const USUAL: Table = {
    ThisDN: 'O',
    ConnID: 'O',
    ReferenceID: 'O',
    time: 'M',
    Extensions: 'O',
    EventSequenceNumber: 'O',
    ServerStartTime: 'O',
  };

  // Version 1.1: "Call events about a call also carry, where known: ..." (all Optional); 1.2 adds
  // CallState on every call event, MediaType, and the ThirdPartyDNRole of its party events.
  const CALL_CONTENT: Table = {
    CallType: 'O',
    ANI: 'O',
    DNIS: 'O',
    ThisDNRole: 'O',
    OtherDNRole: 'O',
    ThirdPartyDN: 'O',
    UserData: 'O',
    CallUUID: 'O',
    CallState: 'O',
    MediaType: 'O',
    ThirdPartyDNRole: 'O',
  };
  const CALL_EVENTS_OF_V10 = ['EventRinging', 'EventDialing', 'EventEstablished', 'EventReleased', 'EventAttachedDataChanged'];
  // Version 1.1 additions to 1.0 events: AgentWorkMode on the agent events ("with AgentWorkMode").
  const EXTENDED_IN_V11: Record<string, Table> = {
    EventAgentLogin: { AgentWorkMode: 'O', ThisQueue: 'O' },
    EventAgentReady: { AgentWorkMode: 'O' },
    EventAgentNotReady: { AgentWorkMode: 'O' },
  };
  // Version 1.2: Reasons come back on the agent events; "Queries by information type".
  const EXTENDED_IN_V12: Record<string, Table> = {
    EventAgentLogin: { Reasons: 'O' },
    EventAgentLogout: { Reasons: 'O' },
    EventAgentReady: { Reasons: 'O' },
    EventAddressInfo: { AddressInfoType: 'O', AddressInfoStatus: 'O', OtherDN: 'O', AgentWorkMode: 'O', Reasons: 'O' },
  };

  it('the seeds, this list, the 1.1 and 1.2 events and the names known only together cover every event', () => {
    const covered = new Set([
      ...Object.keys(SPEC),
      ...MESSAGES.filter((d) => d.kind === 'event' && (d.fromSeed || d.v11 || d.v12 || d.catalogueOnly)).map((d) => d.name),
    ]);
    expect([...covered].sort()).toEqual([...EVENT_NAMES].sort());
  });

  for (const [name, spec] of Object.entries(SPEC)) {
    it(`${name}: ${Object.entries(spec)
      .map(([a, p]) => `${a} ${p}`)
      .join(', ')}, time M`, () => {
      expect(desc(name).fromSeed).toBe(false);
      const call = CALL_EVENTS_OF_V10.includes(name) ? CALL_CONTENT : {};
      expect(table(name)).toEqual({ ...USUAL, ...call, ...spec, ...EXTENDED_IN_V11[name], ...EXTENDED_IN_V12[name] });
    });
  }
});

describe('every event from the wire may carry EventSequenceNumber and ServerStartTime', () => {
  it('all events but the two synthesized ones list both, Optional', () => {
    for (const d of MESSAGES.filter((m) => m.kind === 'event')) {
      const expected = d.synthesized ? undefined : 'O';
      expect(d.attributes.get('EventSequenceNumber'), d.name).toBe(expected);
      expect(d.attributes.get('ServerStartTime'), d.name).toBe(expected);
    }
  });

  it('descriptors are frozen', () => {
    expect(Object.isFrozen(MESSAGES)).toBe(true);
    expect(Object.isFrozen(desc('EventACK'))).toBe(true);
  });
});
