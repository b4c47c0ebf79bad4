/** What a request handler sees of the server answering it, and the handler's type. */
import type { EventName, RequestName } from '../protocol/messages.js';
import type { RequestMap } from '../protocol/types.js';
import type { CheckCore } from './checks.js';
import type { SimClient } from './client.js';
import type { SimErrorCodeValue } from './error-codes.js';
import type { ServerRoleName } from './options.js';
import type { EventAttributes, Requester } from './records.js';
import type { SwitchContext } from './state.js';

export type { EventAttributes, Requester } from './records.js';

/** What handlers may do with the server. */
export interface SimCore extends SwitchContext, CheckCore {
  readonly name: string;
  readonly role: ServerRoleName;
  readonly linkUp: boolean;
  readonly serverVersion: string;
  /** Sends `event` to the requester only, with its ReferenceID (answers pass any input mask). */
  answer(req: Requester, event: EventName, attrs: EventAttributes): void;
  /** Answers `req` with EventError. */
  sendError(req: Requester, code: SimErrorCodeValue, message: string): void;
  /** After RequestRegisterClient was answered: ADDP and the pair's EventRestoreConnection. */
  clientRegistered(client: SimClient, addpTimeoutMs: number): void;
}

export type Handler<N extends RequestName> = (core: SimCore, req: Requester, a: RequestMap[N]) => void;
