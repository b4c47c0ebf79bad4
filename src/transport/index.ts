export { Transport, type AddpOptions, type Endpoint, type TransportEvents, type TransportOptions } from './transport.js';
export {
  KeepAlive,
  KeepAliveScheduler,
  sharedKeepAliveScheduler,
  type KeepAliveHooks,
  type KeepAliveSchedulerOptions,
} from './keepalive.js';
