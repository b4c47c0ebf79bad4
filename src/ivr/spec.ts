/**
 * The IVR Server "General Messages" (seed 003) as data: one row per message or MonitorInfo subtype,
 * one entry per parameter with where it lives in the XML, whether it is required and its allowed
 * values. The builders' and the parser's validation both read these rows, and the TypeScript
 * types below are computed from them, so no parameter list is written twice.
 *
 * Layout (see docs/ivr.md):
 *   <GctiMsg><LoginResp IServerVersion='…' Result='…' Status='…'>
 *              <ConfigOptions><Option Name='…' Value='…'/>…</ConfigOptions>
 *            </LoginResp></GctiMsg>
 *   <GctiMsg><MonitorInfo ReqId='…'><Agent PortNum='01' Status='LoggedIn'/></MonitorInfo></GctiMsg>
 */

/** A scalar parameter carried as an XML attribute of its message's element. */
export interface AttributeParamSpec {
  readonly in: 'attribute';
  readonly required: boolean;
  /** The only values allowed; absent means any non-empty string. */
  readonly values?: readonly string[];
}

/**
 * A key/value section carried as a child element of its message's element:
 * `<Name><Option Name='key' Value='value'/>…</Name>`.
 */
export interface OptionsParamSpec {
  readonly in: 'element';
  readonly type: 'options';
  readonly required: boolean;
}

/** How one parameter of an IVR message is written: an XML attribute or an element. */
export type IvrParamSpec = AttributeParamSpec | OptionsParamSpec;

/** One element of an IVR message and its parameters. */
export interface IvrElementSpec {
  /** Parameters in the order the builders write them. */
  readonly params: { readonly [name: string]: IvrParamSpec };
  /** For MonitorInfo: exactly one child element, one of these subtypes. */
  readonly subtypes?: readonly string[];
}

/** Name of the envelope element around every message. */
export const IVR_ENVELOPE = 'GctiMsg';
/** Name of each entry inside an options section (LoginResp's ConfigOptions). */
export const IVR_OPTION_ELEMENT = 'Option';

/** The seed's message tables: LoginResp and MonitorInfo. */
export const IVR_MESSAGE_SPECS = {
  LoginResp: {
    params: {
      IServerVersion: { in: 'attribute', required: true },
      Result: { in: 'attribute', required: true, values: ['Success', 'InvalidProtocolVersion'] },
      ConfigOptions: { in: 'element', type: 'options', required: false },
      Status: { in: 'attribute', required: false, values: ['NoSuchClient', 'InitInProgress', 'OK'] },
    },
  },
  MonitorInfo: {
    params: {
      ReqId: { in: 'attribute', required: false },
    },
    subtypes: ['Server', 'Port', 'Agent'],
  },
} as const satisfies Record<string, IvrElementSpec>;

/** The seed's MonitorInfo subtype tables: Server, Port and Agent. */
export const MONITOR_INFO_SUBTYPE_SPECS = {
  Server: {
    params: {
      Name: { in: 'attribute', required: true },
      Status: { in: 'attribute', required: true, values: ['OK', 'Unavailable'] },
      Switch: { in: 'attribute', required: false },
    },
  },
  Port: {
    params: {
      PortNum: { in: 'attribute', required: true },
      Status: { in: 'attribute', required: true, values: ['OK', 'Unavailable'] },
    },
  },
  Agent: {
    params: {
      PortNum: { in: 'attribute', required: true },
      Status: { in: 'attribute', required: true, values: ['LoggedIn', 'LoggedOut', 'Ready', 'NotReady', 'Unknown'] },
    },
  },
} as const satisfies Record<string, IvrElementSpec>;

/** The IVR Server messages this module builds and parses. */
export type IvrMessageName = keyof typeof IVR_MESSAGE_SPECS;
/** The subtypes of MonitorInfo: Server, Port, Agent. */
export type MonitorInfoSubtype = keyof typeof MONITOR_INFO_SUBTYPE_SPECS;

// ---------------------------------------------------------------------------------------------
// Types computed from the rows above.

type Flatten<T> = { [K in keyof T]: T[K] } & {};

type ParamValue<P> = P extends { type: 'options' }
  ? Readonly<Record<string, string>>
  : P extends { values: readonly (infer V)[] }
    ? V
    : string;

type ParamsOf<S extends { params: object }> = {
  -readonly [K in keyof S['params'] as S['params'][K] extends { required: true } ? K : never]: ParamValue<S['params'][K]>;
} & {
  -readonly [K in keyof S['params'] as S['params'][K] extends { required: true } ? never : K]?: ParamValue<S['params'][K]>;
};

/** The parameters of a message (as written in the seed's table), typed from its row. */
export type IvrParams<N extends IvrMessageName> = Flatten<ParamsOf<(typeof IVR_MESSAGE_SPECS)[N]>>;
/** The parameters of a MonitorInfo subtype, typed from its row. */
export type MonitorInfoSubtypeParams<S extends MonitorInfoSubtype> = Flatten<ParamsOf<(typeof MONITOR_INFO_SUBTYPE_SPECS)[S]>>;

/** A LoginResp as the builder takes it and the parser returns it. */
export type LoginResp = Flatten<{ Message: 'LoginResp' } & IvrParams<'LoginResp'>>;

/**
 * A MonitorInfo with one subtype, flattened: `{ Message: 'MonitorInfo', Subtype: 'Agent', ReqId?,
 * PortNum, Status }`. The MonitorInfo element's own parameters (ReqId) sit beside the subtype's.
 */
export type MonitorInfoOf<S extends MonitorInfoSubtype> = Flatten<
  { Message: 'MonitorInfo'; Subtype: S } & IvrParams<'MonitorInfo'> & MonitorInfoSubtypeParams<S>
>;
/** MonitorInfo, Server subtype: whether the T-Server is available. */
export type MonitorInfoServer = MonitorInfoOf<'Server'>;
/** MonitorInfo, Port subtype: a port of the IVR. */
export type MonitorInfoPort = MonitorInfoOf<'Port'>;
/** MonitorInfo, Agent subtype: the agent on a port and its status. */
export type MonitorInfoAgent = MonitorInfoOf<'Agent'>;
/** A MonitorInfo message, one of its three subtypes. */
export type MonitorInfo = MonitorInfoServer | MonitorInfoPort | MonitorInfoAgent;

/** Every message this module builds and parses, discriminated by `Message` (and `Subtype`). */
export type IvrMessage = LoginResp | MonitorInfo;

/** Allowed values of the Agent subtype's Status. */
export type AgentStatusName = MonitorInfoAgent['Status'];
/** Allowed values of the Server subtype's Status. */
export type ServerStatusName = MonitorInfoServer['Status'];
