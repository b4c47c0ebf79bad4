/**
 * The gateway's errors, and errors as they cross the WebSocket: the gateway sends each request's
 * error as a WireError (class name, stable `code`, the fields its class carries) and the browser
 * builds the same class again, so `err.code` and `instanceof` work as with TServerConnection.
 * Imports nothing from Node (the browser build uses it).
 */
import {
  ConnectionClosedError,
  InvalidArgumentError,
  NotConnectedError,
  OfflineQueueFullError,
  RequestInterruptedError,
  RequestTimeoutError,
  TServerError,
  TlibError,
  type RequestInfo,
  type TlibErrorCode,
  type GatewayErrorCode,
} from '../errors.js';
import type { WireError } from './protocol.js';

export type { GatewayErrorCode };

export class GatewayError extends TlibError {
  declare readonly code: GatewayErrorCode;
  /** The request it concerns (ERR_GATEWAY_FORBIDDEN, ERR_GATEWAY_BUSY). */
  readonly request: string | undefined;
  /** The DN it concerns (ERR_GATEWAY_FORBIDDEN, ERR_GATEWAY_WATCH). */
  readonly dn: string | undefined;
  /** The HTTP status or WebSocket close code (ERR_GATEWAY_REFUSED). */
  readonly status: number | undefined;
  constructor(code: GatewayErrorCode, message: string, details: { request?: string; dn?: string; status?: number } = {}) {
    super(code, message);
    this.request = details.request;
    this.dn = details.dn;
    this.status = details.status;
  }
}

/** Fields each error class carries across the wire, beyond name, code and message. */
export function errorToWire(err: unknown): WireError {
  if (!(err instanceof TlibError)) {
    return { name: 'GatewayError', code: 'ERR_GATEWAY_INTERNAL', message: 'the gateway failed to carry out the request' };
  }
  const out: Record<string, unknown> = { name: err.name, code: err.code, message: err.message };
  const e = err as TlibError & Record<string, unknown>;
  // RequestInfo attributes are redacted by the connection (no Password ever leaves).
  for (const field of ['errorCode', 'errorMessage', 'event', 'request', 'issues', 'timeoutMs', 'limit', 'dn', 'status']) {
    if (e[field] !== undefined) out[field] = e[field];
  }
  return out as WireError;
}

const requestInfo = (w: WireError): RequestInfo => {
  const r = w.request as Partial<RequestInfo> | undefined;
  return { name: String(r?.name ?? ''), referenceId: Number(r?.referenceId ?? 0), attributes: { ...(r?.attributes ?? {}) } };
};

/** The error a WireError describes, as the class its `code` names (same message). */
export function errorFromWire(w: WireError): TlibError {
  let err: TlibError;
  switch (w.code) {
    case 'ERR_TSERVER':
      err = new TServerError(
        { ...(w.event as Record<string, unknown>), ErrorCode: Number(w.errorCode), ErrorMessage: w.errorMessage as string | undefined },
        requestInfo(w),
      );
      break;
    case 'ERR_INVALID_ARGUMENT':
      err = new InvalidArgumentError(w.message, Array.isArray(w.issues) ? w.issues : []);
      break;
    case 'ERR_REQUEST_TIMEOUT':
      err = new RequestTimeoutError(requestInfo(w), Number(w.timeoutMs));
      break;
    case 'ERR_REQUEST_INTERRUPTED':
      err = new RequestInterruptedError(requestInfo(w), 'the connection dropped');
      break;
    case 'ERR_OFFLINE_QUEUE_FULL':
      err = new OfflineQueueFullError(Number(w.limit), '');
      break;
    case 'ERR_CONNECTION_CLOSED':
      err = new ConnectionClosedError(w.message);
      break;
    case 'ERR_NOT_CONNECTED':
      err = new NotConnectedError(w.message);
      break;
    default:
      if (typeof w.code === 'string' && w.code.startsWith('ERR_GATEWAY_')) {
        err = new GatewayError(w.code as GatewayErrorCode, w.message, {
          request: w.request as string | undefined,
          dn: w.dn as string | undefined,
          status: w.status as number | undefined,
        });
      } else {
        // A code this build has no class for: a TlibError that keeps the code and the class name.
        err = new TlibError(String(w.code) as TlibErrorCode, w.message);
        Object.defineProperty(err, 'name', { value: String(w.name), configurable: true, writable: true });
      }
  }
  err.message = String(w.message);
  return err;
}
