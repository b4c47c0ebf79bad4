export {
  TServerConnection,
  inputMaskOf,
  type ConnectionState,
  type ConnectionStatus,
  type EventsIteratorOptions,
  type ProtocolWarning,
  type ResyncSummary,
  type TServerConnectionEvents,
} from './connection.js';
export { DIAGNOSTICS_CHANNELS, type DiagnosticsChannelName, type DiagnosticsMessages } from './diagnostics.js';
export { parseEndpoint, type EndpointInput } from '../transport/endpoint.js';
export { DEFAULTS, defaultRetryStrategy, type ReconnectOptions, type TServerConnectionOptions } from './options.js';
export type { FirstConnectProgress, OpenOptions, OpenRetryOptions } from './first-connect.js';
export type { AllowedBackupHosts, LearnedAddressPolicy } from './pair/address-policy.js';
export type { RequestOptions } from './requests/pending.js';
export type {
  AgentLoginOptions,
  AgentStateOptions,
  CallRequestOptions,
  ConsultOptions,
  ForwardOptions,
  MakeCallOptions,
  MonitorOptions,
  QuerySwitchOptions,
  RegisterAddressOptions,
  RouteCallOptions,
  TreatmentOptions,
} from './helpers.js';
export type { ConnectionStatusEvent, StatusEntry, StatusIteratorOptions } from './events/status-stream.js';
