/**
 * Type-level tests of the types derived from the catalogue (issue "Foundation", Done when 6).
 *
 * `expectTypeOf` checks are compile-time: they fail `npx tsc --noEmit` (the typecheck CI step), not
 * the vitest run. Each test also asserts the same fact at run time against the catalogue's
 * descriptors, so types and runtime are checked to agree.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { KVList, KVListInput, TimeValue } from '../../src/protocol/attributes.js';
import { EVENT_NAMES, REQUEST_NAMES, messageByName } from '../../src/protocol/catalogue.js';
import type { EventName, RequestName } from '../../src/protocol/messages.js';
import type {
  AnswerOf,
  EventAddressInfo,
  EventMap,
  EventRegistered,
  RequestArgs,
  RequestArgsOptional,
  RequestMap,
  TEvent,
  UnknownAttribute,
} from '../../src/protocol/types.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Keys a type requires (not optional). */
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

function mandatory(name: string): string[] {
  return [...messageByName(name)!.mandatory].sort();
}

describe('EventMap', () => {
  it("EventMap['EventRegistered']: ThisDN is string, AgentID optional, Event the literal name", () => {
    expectTypeOf<EventMap['EventRegistered']['ThisDN']>().toEqualTypeOf<string>();
    expectTypeOf<Pick<EventRegistered, 'AgentID'>>().toEqualTypeOf<{ AgentID?: string }>();
    expectTypeOf<EventMap['EventRegistered']['Event']>().toEqualTypeOf<'EventRegistered'>();
    expectTypeOf<EventMap['EventRegistered']['Server']>().toEqualTypeOf<string>();
    expectTypeOf<EventMap['EventRegistered']['AgentStatus']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RequiredKeys<EventRegistered>>().toEqualTypeOf<'Event' | 'Server' | 'ThisDN' | 'time'>();
    // @ts-expect-error ThisDN is required
    const noDN: EventRegistered = { Event: 'EventRegistered', Server: 's', time: { seconds: 0, microseconds: 0 } };
    // @ts-expect-error Event is the literal name, not any string
    const wrongName: EventRegistered = { Event: 'EventUnregistered', Server: 's', ThisDN: '1', time: { seconds: 0, microseconds: 0 } };
    expect([noDN, wrongName]).toHaveLength(2);
    expect(messageByName('EventRegistered')!.attributes.get('ThisDN')).toBe('M');
    expect(messageByName('EventRegistered')!.attributes.get('AgentID')).toBe('O');
  });

  it('value types: time is TimeValue, ConnID a string, UserData a KVList, unknownAttributes optional', () => {
    expectTypeOf<EventMap['EventLinkConnected']['time']>().toEqualTypeOf<TimeValue>();
    expectTypeOf<EventMap['EventRinging']['ConnID']>().toEqualTypeOf<string>();
    expectTypeOf<EventMap['EventRinging']['UserData']>().toEqualTypeOf<KVList | undefined>();
    expectTypeOf<EventMap['EventAttachedDataChanged']['UserData']>().toEqualTypeOf<KVList>();
    expectTypeOf<EventMap['EventACK']['ReferenceID']>().toEqualTypeOf<number>();
    expectTypeOf<EventMap['EventRinging']['ReferenceID']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<EventMap['EventRinging']['unknownAttributes']>().toEqualTypeOf<UnknownAttribute[] | undefined>();
    expect(messageByName('EventACK')!.attributes.get('ReferenceID')).toBe('M');
    expect(messageByName('EventRinging')!.attributes.get('ReferenceID')).toBe('O');
  });

  it('the client-made events carry no wire attributes; the obsolete ones only the wire-wide ones', () => {
    expectTypeOf<EventMap['EventServerConnected']>().toEqualTypeOf<{
      Event: 'EventServerConnected';
      Server: string;
      Extensions?: KVList;
      unknownAttributes?: UnknownAttribute[];
    }>();
    expectTypeOf<EventMap['EventServerDisconnected']>().not.toHaveProperty('ReferenceID');
    expectTypeOf<EventMap['EventResourceFreed']>().toHaveProperty('EventSequenceNumber');
    expectTypeOf<EventMap['EventResourceFreed']>().not.toHaveProperty('time');
    expect([...messageByName('EventServerConnected')!.attributes.keys()]).toEqual(['Extensions']);
    expect(messageByName('EventResourceFreed')!.attributes.has('time')).toBe(false);
  });

  it('TEvent is the union users receive, discriminated by Event, without EventRestoreConnection', () => {
    expectTypeOf<Extract<TEvent, { Event: 'EventRestoreConnection' }>>().toBeNever();
    expectTypeOf<Extract<TEvent, { Event: 'EventAddressInfo' }>>().toEqualTypeOf<EventAddressInfo>();
    expectTypeOf<TEvent['Event']>().toEqualTypeOf<Exclude<EventName, 'EventRestoreConnection'>>();
    const narrow = (e: TEvent): string | undefined => (e.Event === 'EventRinging' ? e.ConnID : undefined);
    expect(narrow({ Event: 'EventRinging', Server: 's', ThisDN: '1', ConnID: 'c', time: { seconds: 0, microseconds: 0 } })).toBe('c');
    expect(messageByName('EventRestoreConnection')!.internal).toBe(true);
  });

  it('every event: the required keys of its type are Event, Server and exactly its Mandatory attributes', () => {
    // Hand-written from the seeds and wire-protocol.md (time M is the usual content).
    const MANDATORY = {
      EventServerConnected: [],
      EventServerDisconnected: [],
      EventLinkConnected: ['time'],
      EventLinkDisconnected: ['time'],
      EventACK: ['ReferenceID', 'time'],
      EventAgentReserved: ['time'],
      EventCallInfoChanged: ['ConnID', 'time'],
      EventPrivateInfo: ['PrivateEvent', 'time'],
      EventUserEvent: ['ThisDN', 'time'],
      EventPrimaryChanged: ['time'],
      EventRestoreConnection: ['ServerRole'],
      EventHardwareError: ['time'],
      EventResourceAllocated: [],
      EventResourceFreed: [],
      EventError: ['ErrorCode', 'time'],
      EventRegistered: ['ThisDN', 'time'],
      EventUnregistered: ['ThisDN', 'time'],
      EventRinging: ['ConnID', 'ThisDN', 'time'],
      EventDialing: ['ConnID', 'ThisDN', 'time'],
      EventEstablished: ['ConnID', 'ThisDN', 'time'],
      EventReleased: ['ConnID', 'ThisDN', 'time'],
      EventAgentLogin: ['AgentID', 'ThisDN', 'time'],
      EventAgentLogout: ['ThisDN', 'time'],
      EventAgentReady: ['ThisDN', 'time'],
      EventAgentNotReady: ['ThisDN', 'time'],
      EventAttachedDataChanged: ['ConnID', 'ThisDN', 'UserData', 'time'],
      EventAddressInfo: ['ThisDN', 'time'],
      EventServerInfo: ['time'],
      EventPartyInfo: ['ConnID', 'time'],
      EventLocationInfo: ['time'],
      EventTransactionStatus: ['SubscriptionID', 'time'],
      // Version 1.1 events: the key attributes of the spec's tables (time M is the usual content).
      EventQueued: ['ConnID', 'ThisDN', 'time'],
      EventDiverted: ['ConnID', 'ThisDN', 'time'],
      EventAbandoned: ['ConnID', 'ThisDN', 'time'],
      EventNetworkReached: ['ConnID', 'ThisDN', 'time'],
      EventDestinationBusy: ['ConnID', 'ThisDN', 'time'],
      EventHeld: ['ConnID', 'ThisDN', 'time'],
      EventRetrieved: ['ConnID', 'ThisDN', 'time'],
      EventPartyChanged: ['ConnID', 'PreviousConnID', 'ThisDN', 'time'],
      EventPartyAdded: ['ConnID', 'ThisDN', 'time'],
      EventPartyDeleted: ['ConnID', 'ThisDN', 'time'],
      EventRouteRequest: ['ConnID', 'ThisDN', 'time'],
      EventRouteUsed: ['ConnID', 'ThisDN', 'time'],
      EventDNDOn: ['ThisDN', 'time'],
      EventDNDOff: ['ThisDN', 'time'],
      EventOffHook: ['ThisDN', 'time'],
      EventOnHook: ['ThisDN', 'time'],
      EventForwardSet: ['ThisDN', 'time'],
      EventForwardCancel: ['ThisDN', 'time'],
      EventDTMFSent: ['ConnID', 'ThisDN', 'time'],
      EventListenDisconnected: ['ConnID', 'ThisDN', 'time'],
      EventListenReconnected: ['ConnID', 'ThisDN', 'time'],
      EventTreatmentApplied: ['ConnID', 'ThisDN', 'time'],
      EventTreatmentNotApplied: ['ConnID', 'ThisDN', 'time'],
      EventTreatmentEnd: ['ConnID', 'ThisDN', 'time'],
      EventAgentAfterCallWork: ['ThisDN', 'time'],
      EventSwitchInfo: ['time'],
      EventMonitoringNextCall: ['ThisDN', 'time'],
      EventMonitoringCancelled: ['ThisDN', 'time'],
      EventMuteOn: ['ConnID', 'ThisDN', 'time'],
      EventMuteOff: ['ConnID', 'ThisDN', 'time'],
      EventDNOutOfService: ['ThisDN', 'time'],
      EventDNBackInService: ['ThisDN', 'time'],
      // Version 1.2.
      EventDigitsCollected: ['ConnID', 'ThisDN', 'time'],
      // Named by the T-Library enumeration only: the usual content (time M).
      EventRegisteredAll: ['time'],
      EventUnregisteredAll: ['time'],
      EventMailBoxLogin: ['time'],
      EventMailBoxLogout: ['time'],
      EventVoiceFileOpened: ['time'],
      EventVoiceFileClosed: ['time'],
      EventVoiceFileEndPlay: ['time'],
      EventMessageWaitingOn: ['time'],
      EventMessageWaitingOff: ['time'],
      EventRemoteConnectionSuccess: ['time'],
      EventRemoteConnectionFailed: ['time'],
      EventTreatmentRequired: ['time'],
      EventAnswerAccessNumber: ['time'],
      EventReqGetAccessNumberCanceled: ['time'],
      EventAgentIdleReasonSet: ['time'],
      EventBridged: ['time'],
      EventQueueLogout: ['time'],
      EventReserved_1: ['time'],
      EventReserved_2: ['time'],
      EventReserved_3: ['time'],
      EventReserved_4: ['time'],
      EventReserved_5: ['time'],
      EventReserved_6: ['time'],
      EventReserved_7: ['time'],
      EventCallCreated: ['time'],
      EventCallDataChanged: ['time'],
      EventCallDeleted: ['time'],
      EventCallPartyAdded: ['time'],
      EventCallPartyState: ['time'],
      EventCallPartyMoved: ['time'],
      EventCallPartyDeleted: ['time'],
      EventReturnReceipt: ['time'],
      EventNetworkCallStatus: ['time'],
      EventNetworkPrivateInfo: ['time'],
      EventResourceInfo: ['time'],
    } as const satisfies { [N in EventName]: readonly string[] };
    type Agrees = {
      [N in EventName]: Equal<Exclude<RequiredKeys<EventMap[N]>, 'Event' | 'Server'>, (typeof MANDATORY)[N][number]>;
    };
    expectTypeOf<Agrees>().toEqualTypeOf<{ [N in EventName]: true }>();
    for (const name of EVENT_NAMES) expect(mandatory(name), name).toEqual([...MANDATORY[name]].sort());
  });
});

describe('RequestArgs', () => {
  it("RequestArgs<'RequestQueryAddress'> requires ThisDN, has no ReferenceID", () => {
    expectTypeOf<RequestArgs<'RequestQueryAddress'>>().toEqualTypeOf<{
      ThisDN: string;
      AddressInfoType?: number;
      Reasons?: KVListInput;
      Extensions?: KVListInput;
    }>();
    expectTypeOf<{ AddressInfoType: number }>().not.toExtend<RequestArgs<'RequestQueryAddress'>>();
    expectTypeOf<{ ThisDN: string }>().toExtend<RequestArgs<'RequestQueryAddress'>>();
    expectTypeOf<RequestArgs<'RequestQueryAddress'>>().not.toHaveProperty('ReferenceID');
    // @ts-expect-error ThisDN is required
    const missing: RequestArgs<'RequestQueryAddress'> = { AddressInfoType: 1 };
    // @ts-expect-error ThisDN is a string
    const wrong: RequestArgs<'RequestQueryAddress'> = { ThisDN: 5001 };
    expect([missing, wrong]).toHaveLength(2);
    expect(mandatory('RequestQueryAddress')).toEqual(['ThisDN']);
  });

  it('inputs: kvlists as a list or a plain object, binary as Uint8Array', () => {
    expectTypeOf<RequestArgs<'RequestMakeCall'>['UserData']>().toEqualTypeOf<KVListInput | undefined>();
    expectTypeOf<{ a: 1; b: 'x' }>().toExtend<KVListInput>();
    expectTypeOf<RequestArgs<'RequestSetInputMask'>['InputMask']>().toEqualTypeOf<Uint8Array>();
    const args: RequestArgs<'RequestMakeCall'> = { ThisDN: '1', OtherDN: '2', UserData: { a: 1, conn: { connid: '0000000000000001' } } };
    expect(args.ThisDN).toBe('1');
  });

  it('RequestArgsOptional is true only for requests without Mandatory attributes', () => {
    expectTypeOf<RequestArgsOptional<'RequestQueryServer'>>().toEqualTypeOf<true>();
    expectTypeOf<RequestArgsOptional<'RequestReserveAgent'>>().toEqualTypeOf<true>();
    expectTypeOf<RequestArgsOptional<'RequestQueryAddress'>>().toEqualTypeOf<false>();
    expect(mandatory('RequestQueryServer')).toEqual([]);
    expect(mandatory('RequestReserveAgent')).toEqual([]);
  });

  it('RequestMap (as a server decodes them) carries ReferenceID and the Request name', () => {
    expectTypeOf<RequestMap['RequestAgentLogin']['ReferenceID']>().toEqualTypeOf<number>();
    expectTypeOf<RequestMap['RequestAgentLogin']['Request']>().toEqualTypeOf<'RequestAgentLogin'>();
    expectTypeOf<RequestMap['RequestAgentLogin']['AgentID']>().toEqualTypeOf<string>();
    expect(mandatory('RequestAgentLogin')).toEqual(['AgentID', 'ThisDN']);
  });

  it('AnswerOf gives the answering events', () => {
    expectTypeOf<AnswerOf<'RequestQueryAddress'>>().toEqualTypeOf<EventAddressInfo>();
    expectTypeOf<AnswerOf<'RequestPrivateService'>['Event']>().toEqualTypeOf<'EventACK' | 'EventPrivateInfo'>();
    expect(messageByName('RequestPrivateService')!.answeredBy).toEqual(['EventACK', 'EventPrivateInfo']);
  });

  it('every request: the required keys of RequestArgs are exactly its Mandatory attributes', () => {
    const MANDATORY = {
      RequestRegisterClient: ['ApplicationName'],
      RequestQueryServer: [],
      RequestQueryAddress: ['ThisDN'],
      RequestRegisterAddress: ['ThisDN'],
      RequestUnregisterAddress: ['ThisDN'],
      RequestSetInputMask: ['InputMask'],
      RequestAgentLogin: ['AgentID', 'ThisDN'],
      RequestAgentLogout: ['ThisDN'],
      RequestAgentReady: ['ThisDN'],
      RequestAgentNotReady: ['ThisDN'],
      RequestMakeCall: ['OtherDN', 'ThisDN'],
      RequestAnswerCall: ['ConnID', 'ThisDN'],
      RequestReleaseCall: ['ConnID', 'ThisDN'],
      RequestAttachUserData: ['ConnID', 'ThisDN', 'UserData'],
      RequestDistributeUserEvent: ['ThisDN'],
      RequestQueryCall: ['ConnID'],
      RequestReserveAgent: [],
      RequestQueryLocation: [],
      RequestPrivateService: ['PrivateMsgID'],
      RequestTransactionMonitoring: ['SubscriptionOperation'],
      // Version 1.1 "Requests added or extended" (M = Mandatory).
      RequestSetDNDOn: ['ThisDN'],
      RequestSetDNDOff: ['ThisDN'],
      RequestHoldCall: ['ConnID', 'ThisDN'],
      RequestRetrieveCall: ['ConnID', 'ThisDN'],
      RequestInitiateConference: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestCompleteConference: ['ConferenceConnID', 'ConnID', 'ThisDN'],
      RequestDeleteFromConference: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestInitiateTransfer: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestSingleStepTransfer: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestCompleteTransfer: ['ConnID', 'ThisDN', 'TransferConnID'],
      RequestAlternateCall: ['ConnID', 'PreviousConnID', 'ThisDN'],
      RequestReconnectCall: ['ConnID', 'PreviousConnID', 'ThisDN'],
      RequestUpdateUserData: ['ConnID', 'ThisDN', 'UserData'],
      RequestDeleteUserData: ['ConnID', 'ThisDN'],
      RequestDeletePair: ['ConnID', 'DataKey', 'ThisDN'],
      RequestCallForwardSet: ['OtherDN', 'ThisDN'],
      RequestCallForwardCancel: ['ThisDN'],
      RequestRouteCall: ['ConnID', 'ThisDN'],
      RequestSendDTMF: ['ConnID', 'DTMFDigits', 'ThisDN'],
      RequestRedirectCall: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestListenDisconnect: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestListenReconnect: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestClearCall: ['ConnID', 'ThisDN'],
      RequestSetCallInfo: ['ConnID'],
      RequestApplyTreatment: ['ConnID', 'ThisDN', 'TreatmentType'],
      RequestQuerySwitch: [],
      RequestMonitorNextCall: ['OtherDN', 'ThisDN'],
      RequestCancelMonitoring: ['OtherDN', 'ThisDN'],
      RequestSetMuteOn: ['ConnID', 'ThisDN'],
      RequestSetMuteOff: ['ConnID', 'ThisDN'],
      // Version 1.2 "Requests added".
      RequestMakePredictiveCall: ['OtherDN', 'ThisDN'],
      RequestMuteTransfer: ['ConnID', 'OtherDN', 'ThisDN'],
      RequestMergeCalls: ['ConnID', 'MergeType', 'ThisDN', 'TransferConnID'],
      RequestCollectDigits: ['ConnID', 'ThisDN'],
      RequestSingleStepConference: ['ConnID', 'OtherDN', 'ThisDN'],
    } as const satisfies { [N in RequestName]: readonly string[] };
    type Agrees = { [N in RequestName]: Equal<RequiredKeys<RequestArgs<N>>, (typeof MANDATORY)[N][number]> };
    expectTypeOf<Agrees>().toEqualTypeOf<{ [N in RequestName]: true }>();
    for (const name of REQUEST_NAMES) expect(mandatory(name), name).toEqual([...MANDATORY[name]].sort());
  });
});
