/**
 * Every request the simulator models, by name, from the handler modules (one per kind of request;
 * each refuses by throwing SimRefusal, see ./error-codes.ts), and which requests a backup answers
 * or need the CTI link. The server has already checked the message type, Mandatory attributes and
 * the pair role when a handler runs.
 */
import type { RequestName } from '../protocol/messages.js';
import { AGENT_HANDLERS } from './agent-handlers.js';
import { BASE_HANDLERS } from './base-handlers.js';
import { CALL_HANDLERS } from './call-handlers.js';
import type { Handler } from './core.js';
import { DIGIT_HANDLERS } from './digits.js';
import { DN_HANDLERS } from './dn-handlers.js';
import { PREDICTIVE_HANDLERS } from './predictive.js';
import { QUERY_HANDLERS } from './queries.js';
import { ROUTING_HANDLERS } from './routing-handlers.js';
import { TRANSFER_HANDLERS } from './transfer-handlers.js';

export type { Handler, SimCore } from './core.js';

/** Requests a backup answers; every other one gets EventError 52 there. */
export const BACKUP_ANSWERS: ReadonlySet<RequestName> = new Set<RequestName>([
  'RequestRegisterClient',
  'RequestQueryServer',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestSetInputMask',
]);

/**
 * Requests that do not need the CTI link (the server answers them itself); every other request
 * talks to the switch and gets EventError 53 while the link is down.
 */
const LOCAL_REQUESTS: ReadonlySet<RequestName> = new Set<RequestName>([
  'RequestRegisterClient',
  'RequestQueryServer',
  'RequestQueryAddress',
  'RequestQueryCall',
  'RequestQuerySwitch',
  'RequestUnregisterAddress',
  'RequestSetInputMask',
  'RequestQueryLocation',
  'RequestPrivateService',
  'RequestTransactionMonitoring',
  'RequestDistributeUserEvent',
  'RequestReserveAgent',
]);

export function needsLink(name: RequestName): boolean {
  return !LOCAL_REQUESTS.has(name);
}

/** Every request the simulator models; others are refused with 50 ("not supported"). */
export const HANDLERS: { readonly [N in RequestName]?: Handler<N> } = {
  ...BASE_HANDLERS,
  ...QUERY_HANDLERS,
  ...AGENT_HANDLERS,
  ...DN_HANDLERS,
  ...CALL_HANDLERS,
  ...TRANSFER_HANDLERS,
  ...ROUTING_HANDLERS,
  ...DIGIT_HANDLERS,
  ...PREDICTIVE_HANDLERS,
};
