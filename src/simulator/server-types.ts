/** Types of TServerSimulator's events and options (kept apart to keep server.ts small). */
import type { ProtocolError } from '../errors.js';
import type { ServerRoleName } from './options.js';

/** A request a simulated server received (`'request'`). */
export interface RequestInfo {
  clientId: number;
  /** Catalogue name, or `Unknown(<type>)` for a type the catalogue does not know. */
  name: string;
  type: number;
  attributes: Record<string, unknown>;
}

/** A client that connected to a simulated server (`'client'`). */
export interface ClientInfo {
  clientId: number;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
}

/** The listeners a TServerSimulator takes. */
export interface SimulatorEvents {
  /** Every decoded request (ADDP aside), before it is answered. Not emitted while frozen. */
  request: (info: RequestInfo) => void;
  /** A client connected. */
  client: (info: ClientInfo) => void;
  /** A client's connection closed. */
  clientClosed: (info: { clientId: number; reason: string }) => void;
  /** A client sent a malformed frame; that client is then closed. */
  protocolError: (info: { clientId: number; error: ProtocolError }) => void;
  /** HotStandbyPair changed this server's role. */
  role: (role: ServerRoleName) => void;
}

/** Options of `sendEvent()`. */
export interface SendEventOptions {
  /** Add time, EventSequenceNumber and ServerStartTime where not given. Default true. */
  stamp?: boolean;
}
