/**
 * Named values of the integer attributes users pass or read (wire protocol 1.1, "Attributes added"),
 * with the T-Library's own numbers (public tlib headers: TAgentWorkMode, TForwardMode, TRouteType,
 * TCallType, TDNRole, TAddressType, TTreatmentType, TMonitorNextCallType). Each is an `as const`
 * object plus a type of its values, so `AgentWorkMode.AfterCallWork` is typed as `3`.
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

/** ForwardMode (67): RequestCallForwardSet/Cancel. */
export const ForwardMode = {
  None: 0,
  Unconditional: 1,
  OnBusy: 2,
  OnNoAnswer: 3,
  OnBusyAndNoAnswer: 4,
  SendAllCalls: 5,
} as const;
export type ForwardMode = (typeof ForwardMode)[keyof typeof ForwardMode];

/** RouteType (60): RequestRouteCall. */
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
