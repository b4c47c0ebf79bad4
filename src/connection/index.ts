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
export { DEFAULTS, parseEndpoint, type EndpointInput, type ReconnectOptions, type TServerConnectionOptions } from './options.js';
export type { RequestOptions } from './requests.js';
