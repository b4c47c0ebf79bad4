/**
 * From a decoded request to its handler, with the checks every request goes through first, in
 * this order: message type, or a request the simulator does not model (50), ReferenceID and
 * Mandatory attributes (43) and values (42), pair role (52), CTI link (53). Refusals are thrown as
 * SimRefusal; the server turns them into EventError.
 */
import type { DecodedMessage } from '../codec/decoder.js';
import type { MessageDescriptor } from '../protocol/catalogue.js';
import type { RequestName } from '../protocol/messages.js';
import { validateRequestArgs } from '../protocol/validate.js';
import { SimErrorCode, SimRefusal } from './error-codes.js';
import type { SimClient } from './client.js';
import type { Requester, SimCore } from './core.js';
import { BACKUP_ANSWERS, HANDLERS, needsLink } from './handlers.js';

/**
 * Answers one decoded request of `client`: its handler's events, or EventError for a refusal (and
 * for a simulator bug, which must not take the server down).
 */
export function serveRequest(
  core: SimCore,
  client: SimClient,
  descriptor: MessageDescriptor | undefined,
  message: DecodedMessage,
  referenceIdOnRelatedEvents: boolean,
  log: (format: string, ...args: unknown[]) => void,
): void {
  const refId = message.attributes.ReferenceID;
  const req: Requester = {
    client,
    refId: typeof refId === 'number' ? refId : 0,
    tagRelated: (descriptor?.v11 === true || descriptor?.v12 === true) && referenceIdOnRelatedEvents,
  };
  const name = descriptor?.name ?? `Unknown(${message.type})`;
  try {
    dispatchRequest(core, req, descriptor, message.type, message.attributes);
  } catch (err) {
    if (err instanceof SimRefusal) {
      log('%s from client %d refused: %d %s', name, client.id, err.errorCode, err.message);
      core.sendError(req, err.errorCode, err.message);
    } else {
      log('internal error handling %s: %O', name, err);
      core.sendError(req, SimErrorCode.InvalidAttribute, `internal simulator error: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}

export function dispatchRequest(
  core: SimCore,
  req: Requester,
  descriptor: MessageDescriptor | undefined,
  type: number,
  attributes: Record<string, unknown>,
): void {
  if (!descriptor || descriptor.kind !== 'request') {
    throw new SimRefusal(
      SimErrorCode.UnknownRequest,
      `unknown request: message type ${type}${descriptor ? ` (${descriptor.name} is not a request)` : ''}`,
    );
  }
  const name = descriptor.name as RequestName;
  const handler = HANDLERS[name] as ((core: SimCore, r: Requester, a: unknown) => void) | undefined;
  // A request known by name only (or not modelled here) is refused as such, whatever its attributes.
  if (!handler) throw new SimRefusal(SimErrorCode.UnknownRequest, `${name} is not supported by the simulator`);
  const { ReferenceID: refId, ...args } = attributes;
  checkAttributes(name, refId, args);
  if (core.role === 'backup' && !BACKUP_ANSWERS.has(name)) {
    throw new SimRefusal(SimErrorCode.NotPrimary, `not primary: ${core.name} is the backup`);
  }
  if (!core.linkUp && needsLink(name)) throw new SimRefusal(SimErrorCode.LinkDown, 'CTI link down');
  handler(core, req, { Request: name, ...attributes });
}

/** Mandatory attributes (43, naming the attribute), special rules (43), values (42), ReferenceID. */
function checkAttributes(name: RequestName, refId: unknown, args: Record<string, unknown>): void {
  if (refId === undefined) throw new SimRefusal(SimErrorCode.MissingAttribute, 'missing Mandatory attribute ReferenceID');
  if (typeof refId !== 'number' || refId < 1) {
    throw new SimRefusal(SimErrorCode.InvalidAttribute, `invalid attribute ReferenceID: must be a positive int32, got ${String(refId)}`);
  }
  // Attributes a request does not take are ignored, as a T-Server ignores extra attributes.
  const issues = validateRequestArgs(name, args).filter((i) => i.code !== 'ERR_UNKNOWN_ATTRIBUTE');
  const missing = issues.find((i) => i.code === 'ERR_MISSING_MANDATORY');
  if (missing) throw new SimRefusal(SimErrorCode.MissingAttribute, `missing Mandatory attribute ${missing.attribute}`);
  const rule = issues.find((i) => i.code === 'ERR_RULE_VIOLATED');
  if (rule) throw new SimRefusal(SimErrorCode.MissingAttribute, rule.detail);
  const bad = issues[0];
  if (bad) throw new SimRefusal(SimErrorCode.InvalidAttribute, `invalid attribute ${bad.attribute ?? ''}: ${bad.detail}`);
}
