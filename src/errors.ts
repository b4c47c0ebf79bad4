/**
 * Every error the SDK produces is a TlibError with a stable `code`. Catch by class or switch on
 * `code`; messages are for people and may change.
 *
 * Adding an error: append the class at the end of this file with its code in a
 * `export interface TlibErrorCodes { ERR_X: XError }` of its own beside it (interfaces merge), so
 * `TlibErrorCode` stays the union of the real codes.
 *
 * The layers above (routing, the dialer, the gateway, IVR) keep their error classes with them; their
 * codes are named here (the registry is data, like the catalogue), and each class types its `code`
 * from this file. So this file imports nothing from above and no import circle (type-only ones
 * included) runs through the error registry; the published types keep every code in one union.
 */
import type { ValidationIssue } from './protocol/validate.js';

/** RouteError (src/routing). */
export type RouteErrorCode = 'ERR_ROUTE_HANDLER' | 'ERR_ROUTE_TIMEOUT' | 'ERR_ROUTE_OVERFLOW' | 'ERR_ROUTE_FAILED' | 'ERR_ROUTE_SWEEP';
/** DialError (src/dialer). */
export type DialErrorCode = 'ERR_DIAL_REFUSED' | 'ERR_DIAL_OUTCOME_UNKNOWN' | 'ERR_DIAL_QUEUE_FULL' | 'ERR_DIALER_CLOSED';
/** IvrMessageError and IvrXmlError (src/ivr). */
export type IvrErrorCode = 'ERR_IVR_MESSAGE' | 'ERR_IVR_XML';
/** GatewayError (src/gateway). */
export type GatewayErrorCode =
  /** A request on a DN, agent id or call the session was not granted, or one the gateway keeps to itself. Nothing was sent. */
  | 'ERR_GATEWAY_FORBIDDEN'
  /** More than `maxInFlightPerSession` requests in flight for this session. Nothing was sent. */
  | 'ERR_GATEWAY_BUSY'
  /** A granted DN could not be registered on the T-Server (the notice names the DN). */
  | 'ERR_GATEWAY_WATCH'
  /** The gateway refused the WebSocket (HTTP status at the upgrade) or closed it with a code that means "do not retry". */
  | 'ERR_GATEWAY_REFUSED'
  /** The gateway sent something this client cannot read. */
  | 'ERR_GATEWAY_PROTOCOL'
  /** The gateway failed in a way it does not describe to browsers (its log has the detail). */
  | 'ERR_GATEWAY_INTERNAL';

/**
 * Every code, mapped to the class that carries it (declaration merging: each class below adds its
 * own; a layer's codes map to TlibError, their classes living with the layer). `TlibErrorCode` is
 * the union of the keys.
 */
export interface TlibErrorCodes extends Record<RouteErrorCode | DialErrorCode | IvrErrorCode | GatewayErrorCode, TlibError> {}
/** Every `code` a TlibError may carry. */
export type TlibErrorCode = keyof TlibErrorCodes;

/**
 * Marks every TlibError with the names of its classes, so `instanceof` also holds for an error made
 * by another copy of this package (the ESM and the CommonJS builds loaded side by side, or two
 * installed versions): `Symbol.for` gives both copies the same key.
 */
const BRAND = Symbol.for('tlib-client.TlibError');

/** The base class of every error the SDK makes: a stable `code` to switch on (the message is for people). `instanceof` holds across the ESM and CommonJS builds loaded side by side. */
export class TlibError extends Error {
  readonly code: TlibErrorCode;
  constructor(code: TlibErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    const names: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) names.push(c.name);
    Object.defineProperty(this, BRAND, { value: names, enumerable: false });
  }

  /** `err instanceof TlibError` (or any subclass) by prototype, or by brand from another copy. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    const names = (value as { [BRAND]?: unknown })[BRAND];
    return Array.isArray(names) && names.includes(this.name);
  }
}

/** Codes of malformed input found by the codec. */
export type ProtocolErrorCode =
  | 'ERR_FRAME_TOO_LARGE'
  | 'ERR_FRAME_TOO_SMALL'
  | 'ERR_BAD_MAGIC'
  | 'ERR_BAD_VERSION'
  | 'ERR_TRUNCATED'
  | 'ERR_TRAILING_BYTES'
  | 'ERR_BAD_VALUE_TYPE'
  | 'ERR_BAD_VALUE'
  | 'ERR_KVLIST_TOO_DEEP'
  | 'ERR_DUPLICATE_ATTRIBUTE'
  | 'ERR_ENCODE'
  | 'ERR_UNEXPECTED_MESSAGE'
  | 'ERR_NOT_TSERVER';

export interface TlibErrorCodes extends Record<ProtocolErrorCode, ProtocolError> {}
/** Bytes that do not follow the wire protocol. `offset` is the byte in the stream where it was seen. */
export class ProtocolError extends TlibError {
  declare readonly code: ProtocolErrorCode;
  /** Stream offset of the offending byte (or of the frame, for frame-level errors). */
  readonly offset: number;
  /** True when the stream's framing is lost: nothing after it can be read. */
  readonly fatal: boolean;
  constructor(code: ProtocolErrorCode, message: string, offset: number, fatal: boolean) {
    super(code, `${message} (at byte ${offset})`);
    this.offset = offset;
    this.fatal = fatal;
  }
}

export interface TlibErrorCodes {
  ERR_INVALID_ARGUMENT: InvalidArgumentError;
}
/** A request's arguments broke the catalogue; nothing was sent. */
export class InvalidArgumentError extends TlibError {
  readonly issues: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[] = []) {
    super('ERR_INVALID_ARGUMENT', message);
    this.issues = issues;
  }
}

export interface TlibErrorCodes {
  ERR_EVENT_VALIDATION: EventValidationError;
}
/** An event broke the catalogue (missing Mandatory attribute, special rule) in 'strict' mode. */
export class EventValidationError extends TlibError {
  readonly issues: ValidationIssue[];
  readonly event: Record<string, unknown>;
  constructor(issues: ValidationIssue[], event: Record<string, unknown>) {
    super('ERR_EVENT_VALIDATION', issues.map((i) => i.detail).join('; '));
    this.issues = issues;
    this.event = event;
  }
}

/** The request an error is about: its name, ReferenceID and attributes (a Password redacted). */
export interface RequestInfo {
  name: string;
  referenceId: number;
  attributes: Record<string, unknown>;
}

export interface TlibErrorCodes {
  ERR_TSERVER: TServerError;
}
/**
 * The T-Server answered a request with EventError. `detail`, when given, says what the SDK did
 * about it before giving up (a request refused as not primary that waited for a primary).
 */
export class TServerError extends TlibError {
  readonly errorCode: number;
  readonly errorMessage: string | undefined;
  readonly request: RequestInfo;
  readonly event: Record<string, unknown>;
  constructor(event: { ErrorCode: number; ErrorMessage?: string } & Record<string, unknown>, request: RequestInfo, detail?: string) {
    super(
      'ERR_TSERVER',
      `${request.name} refused by T-Server: ErrorCode ${event.ErrorCode}${event.ErrorMessage ? ` (${event.ErrorMessage})` : ''}${detail ? `; ${detail}` : ''}`,
    );
    this.errorCode = event.ErrorCode;
    this.errorMessage = event.ErrorMessage;
    this.request = request;
    this.event = event;
  }
}

export interface TlibErrorCodes {
  ERR_REQUEST_TIMEOUT: RequestTimeoutError;
}
/** No answer came within the request's timeout (`timeoutMs`, queued time included). */
export class RequestTimeoutError extends TlibError {
  readonly request: RequestInfo;
  readonly timeoutMs: number;
  constructor(request: RequestInfo, timeoutMs: number) {
    super('ERR_REQUEST_TIMEOUT', `${request.name} (ReferenceID ${request.referenceId}) got no answer within ${timeoutMs} ms`);
    this.request = request;
    this.timeoutMs = timeoutMs;
  }
}

export interface TlibErrorCodes {
  ERR_REQUEST_INTERRUPTED: RequestInterruptedError;
}
/** The connection dropped while a non-idempotent request was in flight: its outcome is unknown. */
export class RequestInterruptedError extends TlibError {
  readonly request: RequestInfo;
  constructor(request: RequestInfo, reason: string) {
    super('ERR_REQUEST_INTERRUPTED', `${request.name} (ReferenceID ${request.referenceId}) was in flight when ${reason}; outcome unknown`);
    this.request = request;
  }
}

export interface TlibErrorCodes {
  ERR_CONNECTION_CLOSED: ConnectionClosedError;
}
/** The connection was closed by the user (close()) or was never opened. */
export class ConnectionClosedError extends TlibError {
  constructor(message = 'connection closed') {
    super('ERR_CONNECTION_CLOSED', message);
  }
}

export interface TlibErrorCodes {
  ERR_OFFLINE_QUEUE_FULL: OfflineQueueFullError;
}
/** The request would have to wait (no server, a registration waiting for the CTI link, `maxInFlight` reached) and `offlineQueue.limit` requests already wait. */
export class OfflineQueueFullError extends TlibError {
  readonly limit: number;
  constructor(limit: number, requestName: string) {
    super('ERR_OFFLINE_QUEUE_FULL', `${requestName} refused: offline queue is full (${limit} requests wait for a server)`);
    this.limit = limit;
  }
}

export interface TlibErrorCodes {
  ERR_CONNECT: ConnectError;
}
/** A socket could not be opened (refused, DNS, TLS handshake...). `cause` has the system error. */
export class ConnectError extends TlibError {
  readonly server: string;
  constructor(server: string, message: string, cause?: unknown) {
    super('ERR_CONNECT', `${server}: ${message}`, { cause });
    this.server = server;
  }
}

export interface TlibErrorCodes {
  ERR_CONNECTION_LOST: ConnectionLostError;
  ERR_ADDP_TIMEOUT: ConnectionLostError;
}
/** A server stopped answering (ADDP) or closed the connection. */
export class ConnectionLostError extends TlibError {
  readonly server: string;
  constructor(code: 'ERR_CONNECTION_LOST' | 'ERR_ADDP_TIMEOUT', server: string, message: string, cause?: unknown) {
    super(code, `${server}: ${message}`, { cause });
    this.server = server;
  }
}

export interface TlibErrorCodes {
  ERR_BACKUP_ADDRESS_REFUSED: BackupAddressRefusedError;
}
/** A backup address offered by a server was refused (allowedBackupHosts, bad port, garbage). */
export class BackupAddressRefusedError extends TlibError {
  readonly offered: unknown;
  constructor(message: string, offered: unknown) {
    super('ERR_BACKUP_ADDRESS_REFUSED', message);
    this.offered = offered;
  }
}

export interface TlibErrorCodes {
  ERR_HANDLER: HandlerError;
}
/** A user's event handler threw; the SDK carried on. `cause` is what it threw. */
export class HandlerError extends TlibError {
  readonly eventName: string;
  constructor(eventName: string, cause: unknown) {
    super('ERR_HANDLER', `a listener for ${eventName} threw: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.eventName = eventName;
  }
}

export interface TlibErrorCodes {
  ERR_NOT_CONNECTED: NotConnectedError;
}
/** No server is available and the request cannot wait (offlineQueue: false, or reconnect gave up). */
export class NotConnectedError extends TlibError {
  constructor(message: string) {
    super('ERR_NOT_CONNECTED', message);
  }
}

export interface TlibErrorCodes {
  ERR_INVALID_STATE: InvalidStateError;
}
/** A method was called in a state that does not allow it (e.g. `open()` while open). Nothing was done. */
export class InvalidStateError extends TlibError {
  /** The connection's status at the time. */
  readonly state: string;
  constructor(message: string, state: string) {
    super('ERR_INVALID_STATE', message);
    this.state = state;
  }
}

export interface TlibErrorCodes {
  ERR_WRITE_BUFFER_FULL: WriteBufferFullError;
}
/**
 * The server stopped reading: more than `maxWriteBufferBytes` waited to be sent, or bytes waited
 * with no progress for the ADDP timeout. The session is dropped as lost (and fails over).
 */
export class WriteBufferFullError extends TlibError {
  readonly server: string;
  readonly bufferedBytes: number;
  readonly limitBytes: number;
  constructor(server: string, message: string, bufferedBytes: number, limitBytes: number) {
    super('ERR_WRITE_BUFFER_FULL', `${server}: ${message}`);
    this.server = server;
    this.bufferedBytes = bufferedBytes;
    this.limitBytes = limitBytes;
  }
}

export interface TlibErrorCodes {
  ERR_ITERATOR_OVERFLOW: IteratorOverflowError;
}
/** An async iterator's buffer passed its `maxBuffered` with `overflow: 'error'`: the iterator ended with this. */
export class IteratorOverflowError extends TlibError {
  readonly maxBuffered: number;
  constructor(maxBuffered: number, what: string) {
    super('ERR_ITERATOR_OVERFLOW', `${what}: more than ${maxBuffered} items waited for the consumer (maxBuffered)`);
    this.maxBuffered = maxBuffered;
  }
}

export interface TlibErrorCodes {
  ERR_HOLD_OVERFLOW: HoldOverflowError;
}
/**
 * A server sent more than `maxHeldBytes` while its messages had to wait: before the answer to
 * RequestRegisterClient, or during the ledger replay on a new active session. The session is
 * dropped as lost (and fails over or reconnects), as for a server that stops reading.
 */
export class HoldOverflowError extends TlibError {
  readonly server: string;
  readonly heldBytes: number;
  readonly limitBytes: number;
  constructor(server: string, what: string, heldBytes: number, limitBytes: number) {
    super('ERR_HOLD_OVERFLOW', `${server}: more than ${limitBytes} bytes (maxHeldBytes) of messages waited ${what}`);
    this.server = server;
    this.heldBytes = heldBytes;
    this.limitBytes = limitBytes;
  }
}
