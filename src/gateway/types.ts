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

/** What the gateway holds now (a gauge read at the moment `gateway.stats` is read, not counts since it started). */
export interface GatewayStats {
  /** Sessions kept: attached to a browser socket, or waiting for one to resume them. */
  sessions: number;
  /** Sessions with a browser socket attached. */
  attached: number;
  /** Sockets accepted whose hello (a new session or a resume) has not come yet; dropped after `helloTimeoutMs`. */
  awaitingHello: number;
  /** Upgrades still in `authenticate` or `authorize` (at most `maxPendingUpgrades`). */
  pendingUpgrades: number;
  /** DNs the gateway registered on the connection for its sessions. */
  registeredDns: number;
}
