/** Types of TServerSimulator's events and options (kept apart to keep server.ts small). */
import type { ProtocolError } from '../errors.js';
import type { ServerRoleName } from './options.js';

/** A decoded request, as the 'request' event reports it. */
export interface RequestInfo {
  clientId: number;
  /** Catalogue name, or `Unknown(<type>)` for a type the catalogue does not know. */
  name: string;
  type: number;
  attributes: Record<string, unknown>;
}

/** A client connection, as the 'client' event reports it. */
export interface ClientInfo {
  clientId: number;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
}

/** The events a TServerSimulator emits. */
export interface SimulatorEvents {
  /** Every decoded request (ADDP aside), before it is answered. Not emitted while frozen. */
  request: (info: RequestInfo) => void;
  /** A client connected. */
  client: (info: ClientInfo) => void;
  /** A client's connection closed, and why. */
  clientClosed: (info: { clientId: number; reason: string }) => void;
  /** A client sent a malformed frame; that client is then closed. */
  protocolError: (info: { clientId: number; error: ProtocolError }) => void;
  /** HotStandbyPair changed this server's role. */
  role: (role: ServerRoleName) => void;
}

/** Options of TServerSimulator.sendEvent(). */
export interface SendEventOptions {
  /** Add time, EventSequenceNumber and ServerStartTime where not given. Default true. */
  stamp?: boolean;
}
