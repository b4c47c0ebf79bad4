/**
 * TMessageType names the T-Library enumerates but the protocol (1.0–1.2) does not define (spec 1.1:
 * "Every TMessageType from 0 to 182 has a name in the catalogue; the ones not listed below decode by
 * name with the usual content and are never acted upon"). Events here are delivered as ordinary
 * events with the usual content; requests here can be decoded (a server sees their name) but are
 * refused before sending (validateRequestArgs: ERR_NOT_IN_PROTOCOL).
 */
import type { EventSpecBase } from './spec-base.js';

const KNOWN_EVENT = { kind: 'event', fromSeed: false, catalogueOnly: true, attributes: {} } as const;

export const CATALOGUE_ONLY_EVENT_SPECS = {
  EventRegisteredAll: { type: 55, ...KNOWN_EVENT },
  EventUnregisteredAll: { type: 56, ...KNOWN_EVENT },
  EventMailBoxLogin: { type: 79, ...KNOWN_EVENT },
  EventMailBoxLogout: { type: 80, ...KNOWN_EVENT },
  EventVoiceFileOpened: { type: 81, ...KNOWN_EVENT },
  EventVoiceFileClosed: { type: 82, ...KNOWN_EVENT },
  EventVoiceFileEndPlay: { type: 83, ...KNOWN_EVENT },
  EventMessageWaitingOn: { type: 90, ...KNOWN_EVENT },
  EventMessageWaitingOff: { type: 91, ...KNOWN_EVENT },
  EventRemoteConnectionSuccess: { type: 101, ...KNOWN_EVENT },
  EventRemoteConnectionFailed: { type: 102, ...KNOWN_EVENT },
  EventTreatmentRequired: { type: 119, ...KNOWN_EVENT },
  EventAnswerAccessNumber: { type: 125, ...KNOWN_EVENT },
  EventReqGetAccessNumberCanceled: { type: 126, ...KNOWN_EVENT },
  EventAgentIdleReasonSet: { type: 131, ...KNOWN_EVENT },
  EventBridged: { type: 151, ...KNOWN_EVENT },
  EventQueueLogout: { type: 152, ...KNOWN_EVENT },
  EventReserved_1: { type: 153, ...KNOWN_EVENT },
  EventReserved_2: { type: 154, ...KNOWN_EVENT },
  EventReserved_3: { type: 155, ...KNOWN_EVENT },
  EventReserved_4: { type: 156, ...KNOWN_EVENT },
  EventReserved_5: { type: 157, ...KNOWN_EVENT },
  EventReserved_6: { type: 158, ...KNOWN_EVENT },
  EventReserved_7: { type: 159, ...KNOWN_EVENT },
  EventCallCreated: { type: 160, ...KNOWN_EVENT },
  EventCallDataChanged: { type: 161, ...KNOWN_EVENT },
  EventCallDeleted: { type: 162, ...KNOWN_EVENT },
  EventCallPartyAdded: { type: 163, ...KNOWN_EVENT },
  EventCallPartyState: { type: 164, ...KNOWN_EVENT },
  EventCallPartyMoved: { type: 165, ...KNOWN_EVENT },
  EventCallPartyDeleted: { type: 166, ...KNOWN_EVENT },
  EventReturnReceipt: { type: 170, ...KNOWN_EVENT },
  EventNetworkCallStatus: { type: 178, ...KNOWN_EVENT },
  EventNetworkPrivateInfo: { type: 179, ...KNOWN_EVENT },
  EventResourceInfo: { type: 182, ...KNOWN_EVENT },
} as const satisfies Record<string, EventSpecBase>;

/** Requests known by name only: decoded, refused by validation (ERR_NOT_IN_PROTOCOL), never sent by the SDK. */
export const CATALOGUE_ONLY_REQUESTS = {
  RequestRegisterAll: 5,
  RequestUnregisterAll: 6,
  RequestGiveMusicTreatment: 37,
  RequestGiveSilenceTreatment: 38,
  RequestGiveRingBackTreatment: 39,
  RequestLoginMailBox: 40,
  RequestLogoutMailBox: 41,
  RequestOpenVoiceFile: 42,
  RequestCloseVoiceFile: 43,
  RequestPlayVoiceFile: 44,
  RequestSetMessageWaitingOn: 46,
  RequestSetMessageWaitingOff: 47,
  RequestDistributeEvent: 49,
  RequestGetAccessNumber: 123,
  RequestCancelReqGetAccessNumber: 124,
  RequestReserveAgentAndGetAccessNumber: 129,
  RequestAgentSetIdleReason: 130,
  RequestLostBackupConnection: 134,
  RequestSetDNInfo: 135,
  RequestStartCallMonitoring: 167,
  RequestStopCallMonitoring: 168,
  RequestSendReturnReceipt: 169,
  RequestNetworkConsult: 171,
  RequestNetworkAlternate: 172,
  RequestNetworkTransfer: 173,
  RequestNetworkMerge: 174,
  RequestNetworkReconnect: 175,
  RequestNetworkSingleStepTransfer: 176,
  RequestNetworkPrivateService: 177,
} as const satisfies Record<string, number>;
