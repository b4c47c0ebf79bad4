/** The gateway's events and figures (what `gateway.on(…)` and `gateway.stats` give). */

/** A browser refused at the upgrade, a request refused by the policy, or a message that broke the protocol. */
export interface GatewayRefusal {
  readonly stage: 'upgrade' | 'request' | 'message';
  /** HTTP status (upgrade) or WebSocket close code (message). */
  readonly status?: number;
  readonly reason: string;
  readonly identity?: string;
  readonly session?: string;
  readonly request?: string;
  readonly dn?: string;
  readonly remoteAddress?: string;
  /** Bytes waiting to be sent to the browser when it was dropped for not reading (close 4413). */
  readonly bufferedBytes?: number;
}

/** A browser session of the gateway: who it is and what it may do. */
export interface GatewaySessionInfo {
  readonly session: string;
  readonly identity: string;
}

/** The listeners a Gateway takes. */
export interface GatewayEvents {
  /** A browser got a session: new (snapshot) or resumed. */
  sessionOpened: (info: GatewaySessionInfo & { resumed: boolean }) => void;
  /** A browser's socket closed; its session waits `resumeWindowMs` for it. */
  disconnected: (info: GatewaySessionInfo & { code: number; reason: string }) => void;
  /** A session ended (its browser did not come back, or the gateway closed); its DNs are released. */
  sessionEnded: (info: GatewaySessionInfo) => void;
  /** Something was refused: also logged on the `tlib:gateway` debug namespace. */
  refused: (refusal: GatewayRefusal) => void;
}

/** Counts since the gateway started: sessions, messages, refusals. */
export interface GatewayStats {
  sessions: number;
  attached: number;
  awaitingHello: number;
  pendingUpgrades: number;
  registeredDns: number;
}
