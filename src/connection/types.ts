/** Public types of the connection: its state snapshot, its events and what they carry. */
import type { TlibError } from '../errors.js';
import type { CallView, ChangeCause, Correction, DNView } from '../model/index.js';
import type { EventMap, PublicEventName, TEvent } from '../protocol/types.js';
import type { IteratorBufferOptions } from '../util/push-iterator.js';

/** Where the connection stands: `closed` (before open() or after close()), `connecting` (open() dialling), `open`, `reconnecting` (no server, dialling), `closing`. */
export type ConnectionStatus = 'closed' | 'connecting' | 'open' | 'reconnecting' | 'closing';

/** A snapshot of where the connection stands (`conn.state`). */
export interface ConnectionState {
  status: ConnectionStatus;
  /** Name of the server requests go to, if any. */
  active: string | undefined;
  /** Name of the silent hot-standby session, if one is open. */
  standby: string | undefined;
  /** Known endpoints: the configured primary, and the backup (configured or learned). */
  primaryEndpoint: string;
  backupEndpoint: string | undefined;
  /** CTI-link status as users last saw it (undefined before the first link event). */
  linkUp: boolean | undefined;
  /** True while a resync after EventPrimaryChanged runs. */
  resyncing: boolean;
  registeredDNs: number;
  knownCalls: number;
  inFlight: number;
  queued: number;
}

/** What a resync did after a failover or reconnect (`'resynced'`): the server asked, the DNs and calls queried, how long it took, the errors and the corrections to the state model. */
export interface ResyncSummary {
  server: string;
  dns: number;
  calls: number;
  durationMs: number;
  errors: Array<{ request: string; target: string; error: TlibError | Error }>;
  /** What the answers showed the state model had wrong (already fixed; see docs/state-model.md). */
  corrections: Correction[];
}

/** A catalogue problem with a received event, or an unknown message/attribute (delivered anyway). */
export interface ProtocolWarning {
  code: string;
  server: string;
  event: string | undefined;
  attribute?: string;
  detail: string;
}

type NamedEventListeners = { [N in PublicEventName]: (event: EventMap[N]) => void };

/** The listeners `conn.on()` takes: every event by name (`EventRinging`, …), `'event'` for all of them, and the connection's own. */
export interface TServerConnectionEvents extends NamedEventListeners {
  /** Every event users may see, in delivery order. */
  event: (event: TEvent) => void;
  /** Typed errors that concern no pending request (strict validation, a listener that threw...). */
  error: (error: TlibError) => void;
  /** A server sent something that breaks the protocol (the session may be dropped for it), or the state model had to drop data to stay within its bounds. */
  protocolWarning: (warning: ProtocolWarning) => void;
  /** A well-framed message of a type the catalogue does not know: kept, not dropped. */
  unknownMessage: (message: { Server: string; type: number; attributes: Record<string, unknown> }) => void;
  /** A resync finished after a failover or reconnect. */
  resynced: (summary: ResyncSummary) => void;
  /** A call on a registered DN is new or changed (`conn.calls`); cause: the event, 'resync' or 'evicted'. */
  callChanged: (call: CallView, cause: ChangeCause) => void;
  /** A call left the state model (released, transferred away, or gone after a resync); the view is the call as last seen. */
  callEnded: (call: CallView, cause: ChangeCause) => void;
  /** A registered DN's agent, DND, forwarding or calls changed (`conn.dns`). */
  dnChanged: (dn: DNView, cause: ChangeCause) => void;
  /**
   * A reconnect attempt to `server` failed; the loop goes on (or gives up, then 'close'). `servers`:
   * every server this reconnect has tried so far (both of the pair once it has tried both).
   */
  reconnectFailed: (info: { server: string; servers: readonly string[]; attempt: number; error: Error }) => void;
  /** `conn.state` changed (status, active or standby server, link): the new snapshot. */
  stateChange: (state: ConnectionState) => void;
  /** The connection is closed: by close(), or because reconnecting gave up. */
  close: () => void;
}

export interface EventsIteratorOptions extends IteratorBufferOptions {
  signal?: AbortSignal;
}
