/**
 * Types of the pair state machine (pair-machine.ts): its state, inputs, effects and configuration.
 */
import type { Endpoint } from '../transport/index.js';

export type PairRole = 'primary' | 'backup';
/** Why a dial runs: open() (each endpoint once), the reconnect loop (no active), a standby, or the primary a backup named. */
export type DialPurpose = 'open' | 'reconnect' | 'standby' | 'primary';
export type PairStatus = 'closed' | 'connecting' | 'open' | 'reconnecting' | 'closing';
export type PairStateKind = 'closed' | 'opening' | 'adopting' | 'open' | 'reconnecting' | 'closing';
export type PromoteWhy = 'lost' | 'primaryChanged' | 'roleBackup' | 'returnToPrimary';

export interface PairSession {
  id: number;
  endpoint: Endpoint;
  /** The role this server last claimed on its own socket (its newest message is its truth). */
  role: PairRole | undefined;
  /** Users have seen events from it (it was active): its loss is announced. */
  announced: boolean;
}

export interface DialSlot {
  id: number;
  purpose: DialPurpose;
  endpoint: Endpoint;
  /** 1 for the first attempt of this slot. */
  attempt: number;
}

export interface PairConfig {
  primary: Endpoint;
  backup: Endpoint | undefined;
  /** False: a lost connection is not re-opened (reconnect: false). */
  reconnect: boolean;
  resyncOnReconnect: boolean;
  /** Delay before retry `attempt` + 1 after `attempt` failed, or null to give up (the retryStrategy). */
  retryDelay: (attempt: number, error: Error) => number | null;
}

export interface PairState {
  kind: PairStateKind;
  status: PairStatus;
  config: PairConfig;
  /** The other server of the pair (configured, or learned from a role message). */
  backup: Endpoint | undefined;
  active: PairSession | undefined;
  standby: PairSession | undefined;
  dials: readonly DialSlot[];
  nextDialId: number;
  /** The reconnect loop while no session is active: its attempt count and the endpoint it dialled last. */
  reconnect: { attempt: number; last: string | undefined } | undefined;
  /** Endpoints open() has tried (each once). */
  openTried: readonly string[];
  /** open() waits for the first adoption to finish its replay. */
  openPending: boolean;
  /** A server sent EventRestoreConnection: the servers are a hot-standby pair (keep a standby). */
  hotStandby: boolean;
  everOpened: boolean;
  /** Role watermark: a role message with an older EventSequenceNumber is stale. */
  roleSeq: number;
  /** Sessions that died young, by endpoint: the next dial there backs off (no reconnect storm). */
  youngLosses: Readonly<Record<string, { count: number; reason: Error }>>;
}

export type PairInput =
  | { kind: 'open' }
  | { kind: 'dialOpened'; dialId: number; session: number }
  | { kind: 'dialFailed'; dialId: number; error: Error; aborted?: boolean }
  | { kind: 'replayed'; session: number }
  | { kind: 'sessionLost'; session: number; young: boolean; reason: Error }
  | { kind: 'restoreConnection'; session: number; role: PairRole | undefined; seq: number | undefined; named: Endpoint | undefined }
  | { kind: 'primaryChanged'; session: number; seq: number | undefined; message?: unknown }
  | { kind: 'newEpoch' }
  | { kind: 'close'; reason: Error }
  | { kind: 'closed' };

export type PairInputKind = PairInput['kind'];

export type PairEffect =
  | { kind: 'dial'; dialId: number; endpoint: Endpoint; purpose: DialPurpose; delayMs: number }
  | { kind: 'cancelDial'; dialId: number }
  | { kind: 'adoptActive'; session: number }
  | { kind: 'adoptStandby'; session: number }
  | { kind: 'endHold'; deliver: boolean }
  | { kind: 'promote'; session: number; from: number | undefined; why: PromoteWhy }
  | { kind: 'requeue'; session: number; why: string }
  | { kind: 'closeSession'; session: number; why: string }
  | { kind: 'announceDisconnected'; session: number; reason: Error }
  | { kind: 'announceConnected'; session: number }
  | { kind: 'returnToPrimary'; session: number }
  | { kind: 'announcePrimaryChanged'; session: number; message: unknown }
  | { kind: 'resync'; session: number }
  | { kind: 'flush' }
  | { kind: 'status'; status: PairStatus }
  | { kind: 'stateChanged' }
  | { kind: 'reconnectFailed'; endpoint: Endpoint; attempt: number; error: Error }
  | { kind: 'opened' }
  | { kind: 'openFailed'; aborted: boolean }
  | { kind: 'shutdown'; why: 'close' | 'reconnectOff' | 'reconnectGaveUp'; error: Error };

export type Handler<I extends PairInput = PairInput> = (s: PairState, input: I, fx: PairEffect[]) => void;

export interface Transition {
  /** The kinds the state may have afterwards (the diagram's arrows). */
  readonly to: readonly PairStateKind[];
  /** One line for the diagram and the docs. */
  readonly does: string;
  readonly run: Handler<never>;
}

export function initialPairState(config: PairConfig): PairState {
  return {
    kind: 'closed',
    status: 'closed',
    config,
    backup: config.backup,
    active: undefined,
    standby: undefined,
    dials: [],
    nextDialId: 1,
    reconnect: undefined,
    openTried: [],
    openPending: false,
    hotStandby: false,
    everOpened: false,
    roleSeq: -1,
    youngLosses: {},
  };
}

// ------------------------------------------------------------------ queries

/** The pair's known endpoints: the configured primary, then the other server if known. */
export function pairEndpoints(s: PairState): Endpoint[] {
  const list = [s.config.primary];
  if (s.backup && s.backup.name !== s.config.primary.name) list.push(s.backup);
  return list;
}

export function sessionById(s: PairState, id: number): PairSession | undefined {
  if (s.active?.id === id) return s.active;
  if (s.standby?.id === id) return s.standby;
  return undefined;
}

export function dialTo(s: PairState, name: string): DialSlot | undefined {
  return s.dials.find((d) => d.endpoint.name === name);
}
