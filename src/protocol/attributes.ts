/**
 * The attribute table of wire protocol v1, v1.1 and v1.2 (`shared/wire-protocol.md`, "Attributes",
 * "Version 1.1 / Attributes added" and "Version 1.2 / Attributes added").
 * Ids below 1000 are the T-Library's own TAttribute numbers; ids from 1000 are this protocol's.
 * This table is the single source for attribute ids, names and value types.
 */

/** Value types as they appear on the wire (the `value type` byte). */
export const VALUE_TYPES = {
  int: 1,
  string: 2,
  binary: 3,
  kvlist: 4,
  connid: 5,
  time: 6,
} as const;

/** The value types of the wire protocol by name (`string`, `int`, `kvlist`, …). */
export type ValueTypeName = keyof typeof VALUE_TYPES;
/** The value types of the wire protocol by their code on the wire. */
export type ValueTypeCode = (typeof VALUE_TYPES)[ValueTypeName];

/** The value type names by wire code. */
export const VALUE_TYPE_NAMES: Record<number, ValueTypeName> = {
  1: 'int',
  2: 'string',
  3: 'binary',
  4: 'kvlist',
  5: 'connid',
  6: 'time',
};

/** The attribute catalogue: every attribute of the protocol with its wire id and value type. One table: the types, the codec and validation come from it. */
export const ATTRIBUTES = {
  ErrorMessage: { id: 1, type: 'string' },
  ReferenceID: { id: 2, type: 'int' },
  CallID: { id: 3, type: 'int' },
  ConnID: { id: 9, type: 'connid' },
  PreviousConnID: { id: 10, type: 'connid' },
  TransferConnID: { id: 11, type: 'connid' },
  ConferenceConnID: { id: 12, type: 'connid' },
  CallState: { id: 13, type: 'int' },
  AgentID: { id: 14, type: 'string' },
  AgentWorkMode: { id: 16, type: 'int' },
  DNIS: { id: 18, type: 'string' },
  ANI: { id: 19, type: 'string' },
  ThisDN: { id: 20, type: 'string', dn: true },
  ThisQueue: { id: 21, type: 'string' },
  ThisDNRole: { id: 23, type: 'int' },
  OtherDN: { id: 24, type: 'string', dn: true },
  OtherQueue: { id: 25, type: 'string' },
  OtherDNRole: { id: 27, type: 'int' },
  ThirdPartyDN: { id: 28, type: 'string', dn: true },
  ThirdPartyQueue: { id: 29, type: 'string' },
  ThirdPartyDNRole: { id: 31, type: 'int' },
  /** Never logged, never echoed in an event: see redactAttributes(). */
  Password: { id: 36, type: 'string', secret: true },
  NumberOfDigits: { id: 40, type: 'int' },
  /** Any of these digits ends a digit collection. */
  TerminateDigits: { id: 41, type: 'string' },
  Timeout: { id: 42, type: 'int' },
  CollectedDigits: { id: 43, type: 'string' },
  /** One character: the digit that ended the collection. */
  LastDigit: { id: 44, type: 'string' },
  InputMask: { id: 45, type: 'binary' },
  ErrorCode: { id: 46, type: 'int' },
  AddressType: { id: 47, type: 'int' },
  RegisterMode: { id: 49, type: 'int' },
  UserData: { id: 51, type: 'kvlist' },
  DataKey: { id: 52, type: 'string' },
  Extensions: { id: 53, type: 'kvlist' },
  CallType: { id: 54, type: 'int' },
  AddressInfoType: { id: 56, type: 'int' },
  /** The answer to a RequestQueryAddress; its meaning is set by AddressInfoType. */
  AddressInfoStatus: { id: 57, type: 'int' },
  UserEvent: { id: 58, type: 'int' },
  RouteType: { id: 60, type: 'int' },
  ServerVersion: { id: 61, type: 'string' },
  ServerRole: { id: 62, type: 'int' },
  ApplicationName: { id: 64, type: 'string' },
  MergeType: { id: 66, type: 'int' },
  ForwardMode: { id: 67, type: 'int' },
  DTMFDigits: { id: 68, type: 'string' },
  Location: { id: 69, type: 'string' },
  MakeCallType: { id: 73, type: 'int' },
  CallInfoType: { id: 74, type: 'int' },
  CustomerID: { id: 76, type: 'string' },
  TreatmentType: { id: 83, type: 'int' },
  TreatmentParms: { id: 84, type: 'kvlist' },
  time: { id: 86, type: 'time' },
  SwitchInfoType: { id: 88, type: 'int' },
  Place: { id: 92, type: 'string' },
  MediaType: { id: 97, type: 'int' },
  LocationInfoType: { id: 98, type: 'int' },
  OriginalConnID: { id: 99, type: 'connid' },
  MonitorNextCallType: { id: 101, type: 'int' },
  PrivateMsgID: { id: 105, type: 'int' },
  SessionID: { id: 108, type: 'string' },
  Cause: { id: 114, type: 'int' },
  CallUUID: { id: 141, type: 'string' },
  ServerStartTime: { id: 147, type: 'time' },
  EventSequenceNumber: { id: 148, type: 'int' },
  Reasons: { id: 1001, type: 'kvlist' },
  PrivateEvent: { id: 1002, type: 'int' },
  SubscriptionID: { id: 1003, type: 'int' },
  SubscriptionOperation: { id: 1004, type: 'int' },
  TransactionType: { id: 1005, type: 'int' },
  AgentStatus: { id: 1006, type: 'int' },
  ClientVersion: { id: 1007, type: 'string' },
  AddpTimeout: { id: 1008, type: 'int' },
} as const satisfies Record<string, { id: number; type: ValueTypeName; dn?: true; secret?: true }>;

/** The name of an attribute of the catalogue (`ThisDN`, `ConnID`, `UserData`, …). */
export type AttributeName = keyof typeof ATTRIBUTES;

/** A `time` value: seconds since the Unix epoch and microseconds (< 1,000,000). */
export interface TimeValue {
  seconds: number;
  microseconds: number;
}

/** A ConnID held inside a kvlist (top-level ConnID attributes are plain 16-hex-digit strings). */
export interface KVConnID {
  readonly connid: string;
}

/** A kvlist value: int, string, binary, nested kvlist or connid (value types 1–5). */
export type KVValue = number | string | Uint8Array | KVList | KVConnID;
/** One kvlist entry: `[key, value]`. */
export type KVPair = [key: string, value: KVValue];
/** A kvlist keeps its entries' order and may repeat a key. */
export type KVList = KVPair[];
/** What a request accepts for a kvlist attribute: the list itself or a plain object. */
export type KVListInput = KVList | Record<string, KVValue>;

/** The TypeScript type of a decoded value, by value type. */
export interface ValueTypeMap {
  int: number;
  string: string;
  binary: Uint8Array;
  kvlist: KVList;
  connid: string;
  time: TimeValue;
}

/** The TypeScript types a request accepts, by value type (a plain object for a kvlist, for instance). */
export interface InputValueTypeMap {
  int: number;
  string: string;
  binary: Uint8Array;
  kvlist: KVListInput;
  connid: string;
  time: TimeValue | Date;
}

/** The decoded value of attribute `N`. */
export type AttributeValue<N extends AttributeName> = ValueTypeMap[(typeof ATTRIBUTES)[N]['type']];
/** What a request accepts for attribute `N`. */
export type AttributeInputValue<N extends AttributeName> = InputValueTypeMap[(typeof ATTRIBUTES)[N]['type']];

/** One attribute at run time: name, wire id, value type. */
export interface AttributeDescriptor {
  readonly id: number;
  readonly name: AttributeName;
  readonly type: ValueTypeName;
  readonly typeCode: ValueTypeCode;
  /** A directory number: a Mandatory one may not be empty. */
  readonly dn: boolean;
  /** Never logged, never quoted in an error: see redactAttributes(). */
  readonly secret: boolean;
}

/** Attribute descriptors indexed by wire id (sparse). */
export const ATTRIBUTE_BY_ID: ReadonlyArray<AttributeDescriptor | undefined> = (() => {
  const table: Array<AttributeDescriptor | undefined> = [];
  for (const [name, row] of Object.entries(ATTRIBUTES)) {
    const spec = row as { id: number; type: ValueTypeName; dn?: true; secret?: true };
    table[spec.id] = Object.freeze({
      id: spec.id,
      name: name as AttributeName,
      type: spec.type,
      typeCode: VALUE_TYPES[spec.type],
      dn: spec.dn === true,
      secret: spec.secret === true,
    });
  }
  return table;
})();

/** The attribute descriptors by name. */
export const ATTRIBUTE_BY_NAME: ReadonlyMap<string, AttributeDescriptor> = new Map(
  ATTRIBUTE_BY_ID.filter((d): d is AttributeDescriptor => d !== undefined).map((d) => [d.name, d]),
);

/** ServerRole values. */
export const ServerRole = { Primary: 0, Backup: 1 } as const;
/** AgentStatus values. */
export const AgentStatus = { Unknown: 0, LoggedOut: 1, LoggedIn: 2, Ready: 3, NotReady: 4 } as const;
export type AgentStatus = (typeof AgentStatus)[keyof typeof AgentStatus];
/** SubscriptionOperation values. */
export const SubscriptionOperation = { Start: 1, Stop: 2, Modify: 3 } as const;

/** What redactAttributes() puts in place of a secret's value. */
export const REDACTED = '***';
/** A kvlist key that names a secret (user data such as `agentPassword`): no catalogue row covers those. */
const SECRET_KEY = /password/i;

/**
 * A copy of `attrs` safe to log or attach to an error: the value of every secret attribute of the
 * catalogue (Password), and of every kvlist entry whose key contains "password" (any case, at any
 * depth), is replaced by '***'. Returns `attrs` itself when there is nothing to hide (no copy).
 */
export function redactAttributes<T extends Readonly<Record<string, unknown>>>(attrs: T): T {
  let out: Record<string, unknown> | undefined;
  for (const key in attrs) {
    const value = attrs[key];
    if (value === undefined) continue;
    const safe = ATTRIBUTE_BY_NAME.get(key)?.secret || SECRET_KEY.test(key) ? REDACTED : Array.isArray(value) ? redactKVList(value) : value;
    if (safe !== value) (out ??= { ...attrs })[key] = safe;
  }
  return (out ?? attrs) as T;
}

function redactKVList(list: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i];
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    const safe = SECRET_KEY.test(pair[0]) ? REDACTED : Array.isArray(pair[1]) ? redactKVList(pair[1]) : pair[1];
    if (safe !== pair[1]) (out ??= [...list])[i] = [pair[0], safe];
  }
  return out ?? list;
}
