/**
 * Types of the pair state machine (machine.ts): its state, inputs, effects and configuration.
 */
import type { Endpoint } from '../../transport/index.js';

export type PairRole = 'primary' | 'backup';
/** Why a dial runs: open() (each endpoint once), the reconnect loop (no active), a standby, or the primary a backup named. */
export type DialPurpose = 'open' | 'reconnect' | 'standby' | 'primary';
export type PairStatus = 'closed' | 'connecting' | 'open' | 'reconnecting' | 'closing';
export type PairStateKind = 'closed' | 'opening' | 'adopting' | 'open' | 'reconnecting' | 'closing';
export type PromoteWhy = 'lost' | 'primaryChanged' | 'roleBackup' | 'returnToPrimary';
/** The resync: none, due once the active's CTI link is up, or running (its queries on the router's resync lane). */
export type ResyncStatus = 'idle' | 'pending' | 'running';

/** A session that lived less than this was "young": the next dial to its server backs off. */
export const STABLE_SESSION_MS = 2_000;

export interface PairSession {
  id: number;
  endpoint: Endpoint;
  /** The role this server last claimed on its own socket (its newest message is its truth). */
  role: PairRole | undefined;
  /** Users have seen events from it (it was active): its loss is announced. */
  announced: boolean;
  /** Clock reading when it registered: lost within STABLE_SESSION_MS, it died young. */
  openedAt: number;
  /** CTI-link status as this server last reported it (its registration answer, then its link events). */
  linkUp: boolean;
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
}

/**
 * What `retryStrategy` answered for one attempt. The driver asks it before the input that needs it
 * (retry.ts), so the reducer never calls user code: it reads this value.
 */
export interface RetryVerdict {
  /** Delay before the next attempt, or null: give up. */
  delayMs: number | null;
  /** The strategy threw or returned a bad value (then `delayMs` is null): reported, once. */
  problem?: Error;
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
  /** The reconnect loop while no session is active: its attempt count, the endpoint it dialled last, every one it tried. */
  reconnect: { attempt: number; last: string | undefined; tried: readonly string[] } | undefined;
  /** Endpoints open() has tried (each once), and why each failed. */
  openTried: readonly string[];
  openErrors: readonly Error[];
  /** open() waits for the first adoption to finish its replay. */
  openPending: boolean;
  /** A server sent EventRestoreConnection: the servers are a hot-standby pair (keep a standby). */
  hotStandby: boolean;
  everOpened: boolean;
  /** Role watermark: a role message with an older EventSequenceNumber is stale. */
  roleSeq: number;
  /** Sessions that died young, by endpoint: the next dial there backs off by the last delay the strategy gave. */
  youngLosses: Readonly<Record<string, { count: number; delayMs: number }>>;
  /** CTI-link status as users last saw it (undefined before the first link event they saw). */
  linkShown: boolean | undefined;
  resync: ResyncStatus;
  /** The ledger holds DNs or calls: a reconnect or a return to the primary has something to resync. */
  tracked: boolean;
}

export type PairInput =
  | { kind: 'open' }
  | { kind: 'dialOpened'; dialId: number; session: number; at: number; linkUp: boolean }
  /** `retry`: the strategy's answer, asked for a reconnect or standby dial (attempt = the slot's). */
  | { kind: 'dialFailed'; dialId: number; error: Error; aborted?: boolean; retry?: RetryVerdict }
  | { kind: 'replayed'; session: number }
  /** `retry`: asked when the session died young (attempt = its server's young losses + 1). */
  | { kind: 'sessionLost'; session: number; at: number; reason: Error; retry?: RetryVerdict }
  | { kind: 'restoreConnection'; session: number; role: PairRole | undefined; seq: number | undefined; named: Endpoint | undefined }
  | { kind: 'primaryChanged'; session: number; seq: number | undefined; message?: unknown }
  /** A server's link event (`message`), the active's or the standby's. */
  | { kind: 'link'; session: number; up: boolean; message?: unknown }
  /** The running resync finished (its summary is out). */
  | { kind: 'resynced' }
  /** Whether the ledger holds DNs or calls changed. */
  | { kind: 'tracked'; tracked: boolean }
  | { kind: 'newEpoch' }
  | { kind: 'close'; reason: Error }
  | { kind: 'closed' };

export type PairInputKind = PairInput['kind'];

export type PairEffect =
  | { kind: 'dial'; dialId: number; endpoint: Endpoint; purpose: DialPurpose; delayMs: number }
  | { kind: 'cancelDial'; dialId: number }
  /** Hold events, replay the whole ledger on it, then hand on what it held. */
  | { kind: 'adoptActive'; session: number; afterReconnect: boolean }
  /** Replay the DNs and mask on it, then hand on what it held. */
  | { kind: 'adoptStandby'; session: number }
  | { kind: 'endHold'; deliver: boolean }
  | { kind: 'promote'; session: number; from: number | undefined; why: PromoteWhy }
  | { kind: 'requeue'; session: number; why: string }
  | { kind: 'closeSession'; session: number; why: string }
  | { kind: 'announceDisconnected'; session: number; reason: Error }
  /** EventServerConnected and the session's last link event, then the held events. */
  | { kind: 'announceConnected'; session: number }
  /** EventServerConnected for a primary that returns, with its link status. */
  | { kind: 'announceReturn'; session: number; linkUp: boolean }
  /** EventPrimaryChanged, with EventLinkDisconnected before it or EventLinkConnected after it when users' view changes. */
  | { kind: 'announcePrimaryChanged'; session: number; message: unknown; linkBefore?: false; linkAfter?: true }
  /** A server's link event for users (its own `message`). */
  | { kind: 'showLink'; session: number; message: unknown }
  | { kind: 'replaySubscriptions'; session: number }
  | { kind: 'resync'; session: number }
  | { kind: 'cancelResync' }
  | { kind: 'flush' }
  /** The active has claimed the primary role: requests it refused as not primary yet go again. */
  | { kind: 'primaryConfirmed' }
  | { kind: 'status'; status: PairStatus }
  | { kind: 'stateChanged' }
  /** `servers`: every endpoint this reconnect loop has tried so far, both of the pair once it has tried both. */
  | { kind: 'reconnectFailed'; endpoint: Endpoint; attempt: number; error: Error; servers: readonly string[] }
  /** A problem to report to the application (a retryStrategy that threw or misbehaved). */
  | { kind: 'report'; error: Error }
  | { kind: 'opened' }
  | { kind: 'openFailed'; aborted: boolean; errors: readonly Error[]; endpoints: readonly string[] }
  | { kind: 'shutdown'; why: 'close' | 'reconnectOff' | 'reconnectGaveUp'; error: Error; servers?: readonly string[] };

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
    openErrors: [],
    openPending: false,
    hotStandby: false,
    everOpened: false,
    roleSeq: -1,
    youngLosses: {},
    linkShown: undefined,
    resync: 'idle',
    tracked: false,
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

/** Whether `session`, lost at `at`, died young (the next dial to its server backs off). */
export function diedYoung(session: PairSession, at: number): boolean {
  return at - session.openedAt < STABLE_SESSION_MS;
}

/**
 * The attempt to ask retryStrategy about before `input`, if it needs one: a reconnect or standby
 * dial that failed (the slot's attempt), or a session that died young (its server's young losses
 * so far + 1). The driver asks, the reducer reads the answer.
 */
export function retryAttemptFor(s: PairState, input: { kind: 'dialFailed'; dialId: number; aborted?: boolean }): number | undefined;
export function retryAttemptFor(s: PairState, input: { kind: 'sessionLost'; session: number; at: number }): number | undefined;
export function retryAttemptFor(
  s: PairState,
  input: { kind: 'dialFailed'; dialId: number; aborted?: boolean } | { kind: 'sessionLost'; session: number; at: number },
): number | undefined {
  if (input.kind === 'dialFailed') {
    const slot = s.dials.find((d) => d.id === input.dialId);
    return slot && !input.aborted && (slot.purpose === 'reconnect' || slot.purpose === 'standby') ? slot.attempt : undefined;
  }
  const lost = sessionById(s, input.session);
  if (!lost || !s.config.reconnect || !diedYoung(lost, input.at)) return undefined;
  return (s.youngLosses[lost.endpoint.name]?.count ?? 0) + 1;
}
