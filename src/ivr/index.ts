/**
 * tlib-client/ivr: the IVR Server "General Messages" (LoginResp, MonitorInfo with its Server, Port
 * and Agent subtypes) as typed builders and a strict parser of the `<GctiMsg>` XML envelope.
 * See docs/ivr.md for where each parameter lives in the XML.
 */
export {
  IVR_ENVELOPE,
  IVR_OPTION_ELEMENT,
  IVR_MESSAGE_SPECS,
  MONITOR_INFO_SUBTYPE_SPECS,
} from './spec.js';
export type {
  AttributeParamSpec,
  OptionsParamSpec,
  IvrParamSpec,
  IvrElementSpec,
  IvrMessageName,
  MonitorInfoSubtype,
  IvrParams,
  MonitorInfoSubtypeParams,
  LoginResp,
  MonitorInfoOf,
  MonitorInfoServer,
  MonitorInfoPort,
  MonitorInfoAgent,
  MonitorInfo,
  IvrMessage,
  AgentStatusName,
  ServerStatusName,
} from './spec.js';
export {
  buildIvrMessage,
  buildLoginResp,
  buildMonitorInfo,
  parseIvrMessage,
  validateIvrMessage,
} from './messages.js';
export type { IvrParseOptions, MonitorInfoParams } from './messages.js';
export { IVR_DEFAULT_MAX_BYTES, escapeAttribute } from './xml.js';
export { IvrMessageError, IvrXmlError } from './errors.js';
export type { IvrMessageErrorReason, IvrXmlErrorReason } from './errors.js';
export { MonitorBridge, MONITOR_SOURCE_EVENTS } from './bridge.js';
export type {
  BridgeAgentState,
  MonitorBridgeEvents,
  MonitorBridgeOptions,
  MonitorBridgeOutput,
  MonitorSource,
  MonitorSourceEvent,
  MonitorSourceEventName,
} from './bridge.js';
