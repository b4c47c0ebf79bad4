/** CallState values the simulator sends (wire spec 1.2 "CallState"). */
export const CallStateValue = {
  Ok: 0,
  Transferred: 1,
  Conferenced: 2,
  Busy: 6,
  NoAnswer: 7,
  SitDetected: 8,
  AnsweringMachine: 9,
  SitInvalidNumber: 11,
  SitReorder: 16,
  Fax: 17,
  Cleared: 19,
  Abandoned: 21,
  Forwarded: 23,
  Dropped: 26,
} as const;

/** RouteType 14 (1.2): the switch releases the call. */
export const ROUTE_CALL_DISCONNECT = 14;
