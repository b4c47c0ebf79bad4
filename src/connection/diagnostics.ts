/**
 * node:diagnostics_channel channels the connection publishes on, as undici and node:http do: an
 * application feeds its own metrics or OpenTelemetry from them without patching the SDK. Publishing
 * costs nothing while a channel has no subscriber (`hasSubscribers` is checked first).
 *
 * Subscribe by name: `diagnostics_channel.subscribe('tlib:request:end', (msg) => …)`.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { TlibError } from '../errors.js';

/** Channel names, stable across versions. */
export const DIAGNOSTICS_CHANNELS = {
  requestStart: 'tlib:request:start',
  requestEnd: 'tlib:request:end',
  requestError: 'tlib:request:error',
  sessionOpen: 'tlib:session:open',
  sessionLost: 'tlib:session:lost',
  failover: 'tlib:failover',
  resync: 'tlib:resync',
} as const;

/** Payloads. `connection` is the TServerConnection that published (compare by identity). */
export interface DiagnosticsMessages {
  /** A request was sent to a server (once per attempt: a re-send after failover publishes again). */
  'tlib:request:start': { connection: object; request: string; referenceId: number; server: string; internal: boolean };
  /** A request settled with its answering event. */
  'tlib:request:end': {
    connection: object;
    request: string;
    referenceId: number;
    server: string;
    event: string;
    durationMs: number;
    internal: boolean;
  };
  /** A request failed (EventError, timeout, interruption, abort, close). */
  'tlib:request:error': { connection: object; request: string; error: Error | TlibError; durationMs: number; internal: boolean };
  /** A session to one server opened (registered), as active or standby. */
  'tlib:session:open': { connection: object; server: string; role: 'active' | 'standby' };
  /** A session to one server was lost. */
  'tlib:session:lost': { connection: object; server: string; reason: Error };
  /** Requests moved from one server to another. `from` is undefined after a reconnect from nothing. */
  'tlib:failover': { connection: object; from: string | undefined; to: string; cause: string };
  /** A resync finished (the same summary as the 'resynced' event). */
  'tlib:resync': { connection: object; summary: unknown };
}

/** The name of a `node:diagnostics_channel` channel the connection publishes on. */
export type DiagnosticsChannelName = keyof DiagnosticsMessages;

const channels = new Map<string, diagnosticsChannel.Channel>();
function channel(name: DiagnosticsChannelName): diagnosticsChannel.Channel {
  let c = channels.get(name);
  if (!c) channels.set(name, (c = diagnosticsChannel.channel(name)));
  return c;
}

/** True when someone listens: build the payload only then. */
export function hasDiagnosticsSubscribers(name: DiagnosticsChannelName): boolean {
  return channel(name).hasSubscribers;
}

export function publishDiagnostics<N extends DiagnosticsChannelName>(name: N, message: DiagnosticsMessages[N]): void {
  const c = channel(name);
  if (c.hasSubscribers) c.publish(message);
}
