export { Dialer } from './dialer.js';
export {
  DIAL_DEFAULTS,
  DialError,
  type DialErrorCode,
  type DialerEvents,
  type DialerHost,
  type DialerOptions,
  type DialOptions,
  type DialOutcome,
  type DialResult,
  type DialStats,
} from './types.js';
