/**
 * `tlib-client/simulator`: a T-Server simulator speaking wire protocol v1 on real sockets, a
 * hot-standby pair of them, and the `tlib-sim` CLI entry.
 */
export { TServerSimulator } from './server.js';
export type { ClientInfo, PlaceCallOptions, RequestInfo, SendEventOptions, SimulatorEvents } from './server.js';
export { HotStandbyPair, type HotStandbyPairOptions } from './pair.js';
export { SIMULATOR_DEFAULTS, type ServerRoleName, type SimulatorOptions } from './options.js';
export { SharedState, type AgentState, type CallState } from './state.js';
export { SimErrorCode, type SimErrorCodeValue } from './error-codes.js';
export { INPUT_MASK_BITS, INPUT_MASK_BYTES, UNMASKABLE_EVENT_TYPES, fullInputMask, inputMaskOf, maskAllows } from './mask.js';
export { runSimCli, SIM_CLI_USAGE, type SimCliIO } from './cli.js';
