/**
 * Named values of the integer attributes users pass or read (wire protocol 1.1 and 1.2,
 * "Attributes added"), with the T-Library's own numbers (public tlib headers: TAgentWorkMode,
 * TForwardMode, TRouteType, TCallType, TDNRole, TAddressType, TTreatmentType, TMonitorNextCallType,
 * TCallState, TMediaType, TAddressInfoType, TMergeType). Each is an `as const` object plus a type of
 * its values, so `AgentWorkMode.AfterCallWork` is typed as `3`.
 */

/** AgentWorkMode (16): on RequestAgentLogin/Ready/NotReady and their events. */
export const AgentWorkMode = {
  Unknown: 0,
  ManualIn: 1,
  AutoIn: 2,
  AfterCallWork: 3,
  AuxWork: 4,
  NoCallDisconnect: 5,
  WalkAway: 6,
  ReturnBack: 7,
} as const;
export type AgentWorkMode = (typeof AgentWorkMode)[keyof typeof AgentWorkMode];

/** ForwardMode (67): RequestCallForwardSet/Cancel, and AddressInfoStatus of a forwarding query. */
export const ForwardMode = {
  None: 0,
  Unconditional: 1,
  OnBusy: 2,
  OnNoAnswer: 3,
  OnBusyAndNoAnswer: 4,
  SendAllCalls: 5,
} as const;
export type ForwardMode = (typeof ForwardMode)[keyof typeof ForwardMode];

/**
 * RouteType (60): RequestRouteCall. AgentID (13): OtherDN names an agent, the call goes to the DN
 * the agent is logged in on; CallDisconnect (14): the switch releases the call.
 */
export const RouteType = {
  Unknown: 0,
  Default: 1,
  Label: 2,
  OverwriteDNIS: 3,
  DDD: 4,
  IDDD: 5,
  Direct: 6,
  Reject: 7,
  Announcement: 8,
  PostFeature: 9,
  DirectAgent: 10,
  Priority: 11,
  DirectPriority: 12,
  AgentID: 13,
  CallDisconnect: 14,
} as const;
export type RouteType = (typeof RouteType)[keyof typeof RouteType];

/** CallType (54): carried by call events. */
export const CallType = { Unknown: 0, Internal: 1, Inbound: 2, Outbound: 3, Consult: 4 } as const;
export type CallType = (typeof CallType)[keyof typeof CallType];

/** DN roles (ThisDNRole 23, OtherDNRole 27, ThirdPartyDNRole 31). */
export const DNRole = {
  Unknown: 0,
  Origination: 1,
  Destination: 2,
  ConferenceMember: 3,
  NewParty: 4,
  AddedBy: 5,
  DeletedBy: 6,
  TransferredBy: 7,
  DeletedParty: 8,
  ConferencedBy: 9,
  Observer: 10,
} as const;
export type DNRole = (typeof DNRole)[keyof typeof DNRole];

/** MakeCallType (73): RequestMakeCall. */
export const MakeCallType = { Regular: 0, DirectAgent: 1, SupervisorAssist: 2, Priority: 3, DirectPriority: 4 } as const;
export type MakeCallType = (typeof MakeCallType)[keyof typeof MakeCallType];

/** AddressType (47): RequestRegisterAddress. 3 is an ACD queue, 4 a routing point. */
export const AddressType = {
  Unknown: 0,
  DN: 1,
  Position: 2,
  Queue: 3,
  RoutingPoint: 4,
  Trunk: 5,
  VoiceChannel: 6,
  DataChannel: 7,
  Announcement: 8,
  ASAI: 9,
  ACDGroup: 10,
  VSP: 11,
  RouteQueue: 12,
  AgentID: 13,
  Other: 99,
} as const;
export type AddressType = (typeof AddressType)[keyof typeof AddressType];

/** TreatmentType (83): RequestApplyTreatment. */
export const TreatmentType = {
  Unknown: 0,
  IVR: 1,
  Music: 2,
  RingBack: 3,
  Silence: 4,
  Busy: 5,
  CollectDigits: 6,
  PlayAnnouncement: 7,
  PlayAnnouncementAndDigits: 8,
  VerifyDigits: 9,
  RecordUserAnnouncement: 10,
  DeleteUserAnnouncement: 11,
  CancelCall: 12,
  PlayApplication: 13,
  SetDefaultRoute: 14,
  TextToSpeech: 15,
  TextToSpeechAndDigits: 16,
  FastBusy: 17,
  RAN: 18,
} as const;
export type TreatmentType = (typeof TreatmentType)[keyof typeof TreatmentType];

/** MonitorNextCallType (101): RequestMonitorNextCall. */
export const MonitorNextCallType = { OneCall: 0, AllCalls: 1 } as const;
export type MonitorNextCallType = (typeof MonitorNextCallType)[keyof typeof MonitorNextCallType];

/**
 * CallState (13): on every call event (1.2), how the call got where it is. 0 unless the event says
 * otherwise; the outcome of a predictive call (Busy, NoAnswer, SIT…, AnsweringMachine, Fax).
 */
export const CallState = {
  Ok: 0,
  Transferred: 1,
  Conferenced: 2,
  GeneralError: 3,
  SystemError: 4,
  RemoteRelease: 5,
  Busy: 6,
  NoAnswer: 7,
  SitDetected: 8,
  AnsweringMachine: 9,
  AllTrunksBusy: 10,
  SitInvalidNumber: 11,
  SitVacant: 12,
  SitIntercept: 13,
  SitUnknown: 14,
  SitNoCircuit: 15,
  SitReorder: 16,
  FaxDetected: 17,
  QueueFull: 18,
  Cleared: 19,
  Overflowed: 20,
  Abandoned: 21,
  Redirected: 22,
  Forwarded: 23,
  Consult: 24,
  PickedUp: 25,
  Dropped: 26,
  DroppedNoAnswer: 27,
  Unknown: 28,
  Deafened: 49,
  Held: 50,
} as const;
export type CallState = (typeof CallState)[keyof typeof CallState];

/** The CallStates of a SIT tone: SIT detected (8), invalid number / vacant / intercept / unknown / no circuit / reorder (11–16). */
export const SIT_CALL_STATES: ReadonlySet<number> = new Set([
  CallState.SitDetected,
  CallState.SitInvalidNumber,
  CallState.SitVacant,
  CallState.SitIntercept,
  CallState.SitUnknown,
  CallState.SitNoCircuit,
  CallState.SitReorder,
]);

/** MediaType (97): a call's medium; voice when absent. Routing and queues treat every media alike. */
export const MediaType = { Voice: 0, VoIP: 1, EMail: 2, Chat: 5, Video: 6, WorkItem: 11 } as const;
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/** AddressInfoType (56): what RequestQueryAddress asks; EventAddressInfo echoes it. */
export const AddressInfoType = {
  AddressStatus: 0,
  ForwardingStatus: 3,
  AgentStatus: 4,
  AgentsInQueue: 5,
  ReadyAgentsInQueue: 6,
  CallsInQueue: 7,
  AddressType: 8,
  Calls: 9,
  DNStatus: 17,
} as const;
export type AddressInfoType = (typeof AddressInfoType)[keyof typeof AddressInfoType];

/** AddressInfoStatus (57) of an AddressInfoType.AddressStatus query: what the DN is doing. */
export const AddressStatus = { Idle: 0, Dialing: 2, Talking: 3, Ringing: 4, Held: 5, Treatment: 6 } as const;
export type AddressStatus = (typeof AddressStatus)[keyof typeof AddressStatus];

/** MergeType (66): RequestMergeCalls completes as a transfer or as a conference. */
export const MergeType = { Transfer: 0, Conference: 1 } as const;
export type MergeType = (typeof MergeType)[keyof typeof MergeType];
