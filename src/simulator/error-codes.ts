/**
 * EventError codes the simulator sends (wire spec, last paragraph), and which refusal uses which.
 * The spec's list is all a client may rely on, so refusals it does not name reuse the closest code.
 */
export const SimErrorCode = {
  /** ThisDN/OtherDN is not a DN of the switch (see SimulatorOptions.knownDN). */
  UnknownDN: 40,
  /**
   * The requesting connection has not registered ThisDN: RequestUnregisterAddress of a DN it never
   * registered, and every agent or call request (Login/Logout/Ready/NotReady, MakeCall, AnswerCall,
   * ReleaseCall, AttachUserData) on a ThisDN it has not registered.
   */
  DNNotRegistered: 41,
  /**
   * A value is wrong for the state or the request: a bad value (InputMask not 64 bytes, AddpTimeout
   * < 0, ReferenceID < 1, SubscriptionOperation not 1–3, ThisDN = OtherDN), an unknown SubscriptionID
   * on stop/modify, and these state refusals: agent not logged in (Logout/Ready/NotReady),
   * answering a call that is not ringing on ThisDN; and every request that does not fit the party's
   * state (hold of a ringing call, DTMF or mute on a call not established, complete with a
   * consultation that is not one, CancelMonitoring without monitoring, a bad DTMFDigits).
   */
  InvalidAttribute: 42,
  /** A Mandatory attribute is missing (ErrorMessage names it), or ReserveAgent has none of AgentID/Place/ThisDN. */
  MissingAttribute: 43,
  /** Unknown message type, or a type that is not a request (an event sent by a client). */
  UnknownRequest: 50,
  /** The server is the backup of a pair and the request is one only the primary answers. */
  NotPrimary: 52,
  /** The CTI link is down: RegisterAddress, agent and call requests are refused. */
  LinkDown: 53,
  /** AgentLogin on a DN with an agent logged in, or of an AgentID logged in on another DN. */
  AgentAlreadyLoggedIn: 56,
  /**
   * No call with that ConnID (or it is gone: a second RequestRouteCall for a call already routed,
   * by a client or by the default route).
   */
  NoSuchCall: 57,
  /** The call is not held on ThisDN: retrieve, and the held call of complete, alternate or reconnect. */
  CallNotHeld: 58,
  /** The call is already held on ThisDN (hold, and the active call of alternate). */
  CallAlreadyHeld: 59,
  /** RequestRouteCall or a routing-point request on a DN that is not a routing point. */
  NotRoutingPoint: 60,
  /** ThisDN (or the OtherDN a request names in the call) is not a party of the call. */
  NotAParty: 61,
  /**
   * The destination cannot take the call: unknown, ThisDN itself, already in the call, on DND for a
   * routed call, or a routing point/queue where a DN is needed.
   */
  InvalidDestination: 62,
} as const;

/** One of SimErrorCode's values. */
export type SimErrorCodeValue = (typeof SimErrorCode)[keyof typeof SimErrorCode];

/** A refusal thrown inside a request handler and turned into EventError by the server. */
export class SimRefusal extends Error {
  constructor(
    readonly errorCode: SimErrorCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'SimRefusal';
  }
}

export function refuse(errorCode: SimErrorCodeValue, message: string): never {
  throw new SimRefusal(errorCode, message);
}
