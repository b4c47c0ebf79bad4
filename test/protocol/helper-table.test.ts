/**
 * The helper table (issue 23 item 2): every request of the protocol has a helper; the generated
 * typed signatures (src/protocol/helper-methods.ts) and the tables of docs/call-control.md are
 * what the table gives; the types agree with the catalogue; installHelpers() works on any class
 * with a request() method (a browser client's as well as TServerConnection's) and refuses bad
 * arguments naming the problem; src/protocol imports nothing from Node.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { MESSAGES } from '../../src/protocol/catalogue.js';
import { HELPER_PLANS, installHelpers, type RequestSender } from '../../src/protocol/helper-install.js';
import type { HelperMethods } from '../../src/protocol/helper-methods.js';
import {
  HELPERS,
  type HelperName,
  type HelperOptions,
  type HelperRequest,
  OPTION_NAMES,
  WITHOUT_HELPER,
} from '../../src/protocol/helper-table.js';
import type { RequestName } from '../../src/protocol/messages.js';
import type { AnswerOf, EventDigitsCollected, EventEstablished, EventPartyAdded, EventReleased } from '../../src/protocol/types.js';
import { sectionOf } from './doc-sections.js';
import { DOCS_FILE, DOCS_SECTION, METHODS_FILE, helperDocsMarkdown, helperMethodsSource } from './helper-codegen.js';

const STALE = 'stale: run `npx tsx test/protocol/helper-codegen.ts --write`';
const A = '00000000000000a1';
const B = '00000000000000b2';

describe('every request has a helper', () => {
  it('each request of the protocol (1.0–1.2) has exactly one helper, but RequestRegisterClient', () => {
    const requests = MESSAGES.filter((d) => d.kind === 'request' && !d.catalogueOnly).map((d) => d.name);
    expect(requests).toHaveLength(55);
    const helped = Object.values(HELPERS).map((row) => row.request as string);
    expect(new Set(helped).size).toBe(helped.length);
    expect(requests.filter((r) => !helped.includes(r)).sort()).toEqual(['RequestRegisterClient']);
    expect(Object.keys(WITHOUT_HELPER)).toEqual(['RequestRegisterClient']);
    expect(helped.filter((r) => !requests.includes(r))).toEqual([]);
  });

  it('the 1.2 requests have the helpers the issue names', () => {
    const of = (name: HelperName) => HELPERS[name].request;
    expect([of('makePredictiveCall'), of('muteTransfer'), of('mergeCalls'), of('collectDigits'), of('singleStepConference')]).toEqual([
      'RequestMakePredictiveCall',
      'RequestMuteTransfer',
      'RequestMergeCalls',
      'RequestCollectDigits',
      'RequestSingleStepConference',
    ]);
  });

  it('every attribute a helper takes as an Optional option has a camelCase name, and the names are distinct', () => {
    for (const plan of HELPER_PLANS.values()) {
      for (const [attribute, presence] of plan.request.attributes) {
        if (plan.positional.includes(attribute) || presence === 'M') continue;
        expect(OPTION_NAMES, `${plan.name}: ${attribute}`).toHaveProperty(attribute);
      }
    }
    const names = Object.values(OPTION_NAMES);
    expect(new Set(names).size).toBe(names.length);
    // Reasons and Extensions: every helper (every request takes them).
    for (const plan of HELPER_PLANS.values())
      expect(plan.optionNames, plan.name).toEqual(expect.arrayContaining(['reasons', 'extensions']));
  });
});

describe('what is generated from the table is up to date', () => {
  it(`src/protocol/helper-methods.ts (${STALE})`, () => {
    expect(readFileSync(METHODS_FILE, 'utf8')).toBe(helperMethodsSource());
  });

  it(`the helper tables of docs/call-control.md (${STALE})`, () => {
    const section = sectionOf(readFileSync(DOCS_FILE, 'utf8'), DOCS_SECTION);
    expect(section).toBe(helperDocsMarkdown());
    // One row per helper, named as the helper is.
    for (const name of Object.keys(HELPERS)) expect(section, name).toContain(`| \`${name}(`);
  });
});

describe('the typed signatures agree with the catalogue', () => {
  it('every helper resolves with the events that answer its request', () => {
    type Agrees = { [M in HelperName]: ReturnType<HelperMethods[M]> extends Promise<AnswerOf<HelperRequest<M>>> ? true : false };
    expectTypeOf<Agrees>().toEqualTypeOf<{ [M in HelperName]: true }>();
    expectTypeOf<ReturnType<HelperMethods['answerCall']>>().toEqualTypeOf<Promise<EventEstablished>>();
    expectTypeOf<ReturnType<HelperMethods['mergeCalls']>>().toEqualTypeOf<Promise<EventReleased | EventPartyAdded>>();
    expectTypeOf<ReturnType<HelperMethods['collectDigits']>>().toEqualTypeOf<Promise<EventDigitsCollected>>();
    expectTypeOf<keyof HelperMethods>().toEqualTypeOf<HelperName>();
    expect(Object.keys(HELPERS)).toHaveLength(54);
  });

  it('options: camelCase names with the catalogue value types, catalogue names too, signal and timeoutMs', () => {
    type Login = HelperOptions<'agentLogin'>;
    expectTypeOf<Login['password']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Login['Password']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Login['timeoutMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<HelperOptions<'collectDigits'>['numberOfDigits']>().toEqualTypeOf<number | undefined>();
    // Positional attributes are not options.
    expectTypeOf<HelperOptions<'holdCall'>>().not.toHaveProperty('ThisDN');
    expectTypeOf<HelperOptions<'holdCall'>>().not.toHaveProperty('connId');
    // A Mandatory attribute that is not positional is required, under its catalogue name.
    expectTypeOf<{ SubscriptionOperation: 1 }>().toExtend<HelperOptions<'transactionMonitoring'>>();
    expectTypeOf<{ subscriptionId: 1 }>().not.toExtend<HelperOptions<'transactionMonitoring'>>();
    expect(HELPER_PLANS.get('transactionMonitoring')?.requiredOptions).toEqual(['SubscriptionOperation']);
  });

  it('positional parameters: names and types', () => {
    expectTypeOf<Parameters<HelperMethods['mergeCalls']>>().toExtend<[string, string, string, number, ...unknown[]]>();
    expectTypeOf<Parameters<HelperMethods['routeCall']>[2]>().toEqualTypeOf<string | undefined>();
    expect(HELPER_PLANS.get('mergeCalls')).toMatchObject({
      params: ['dn', 'heldConnId', 'otherConnId', 'mergeType'],
      positional: ['ThisDN', 'ConnID', 'TransferConnID', 'MergeType'],
    });
  });
});

/** A client with nothing but request(): it records what it would send. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: installHelpers() below puts every method of the merged interface on the prototype.
class RecordingClient implements RequestSender {
  readonly sent: { name: string; args: Record<string, unknown> | undefined; options: unknown }[] = [];
  request<N extends RequestName>(name: N, args?: unknown, options?: unknown): Promise<AnswerOf<N>> {
    this.sent.push({ name, args: args as Record<string, unknown>, options });
    return Promise.resolve({ Event: 'answer' } as never);
  }
}
// biome-ignore lint/correctness/noUnusedVariables: merged with the class above, which it types.
interface RecordingClient extends HelperMethods {}
installHelpers(RecordingClient);

async function refusal(p: Promise<unknown>): Promise<InvalidArgumentError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidArgumentError);
  return err as InvalidArgumentError;
}

describe('installHelpers() on any class with request()', () => {
  it('positional arguments, camelCase and catalogue-named options, signal and timeoutMs go where they belong', async () => {
    const c = new RecordingClient();
    const signal = new AbortController().signal;
    await c.mergeCalls('1001', A, B, 1, { reasons: { r: 1 }, timeoutMs: 500 }, { signal });
    await c.collectDigits('1001', A, { numberOfDigits: 4, TerminateDigits: '#', timeout: 3000 });
    await c.makePredictiveCall('5000', '5551234', { timeout: 20_000, userData: { campaign: 'c1' } });
    await c.routeCall('5000', A, undefined);
    await c.setInputMask(['EventRinging']);
    expect(c.sent).toEqual([
      {
        name: 'RequestMergeCalls',
        args: { ThisDN: '1001', ConnID: A, TransferConnID: B, MergeType: 1, Reasons: { r: 1 } },
        options: { timeoutMs: 500, signal },
      },
      {
        name: 'RequestCollectDigits',
        args: { ThisDN: '1001', ConnID: A, NumberOfDigits: 4, TerminateDigits: '#', Timeout: 3000 },
        options: {},
      },
      {
        name: 'RequestMakePredictiveCall',
        args: { ThisDN: '5000', OtherDN: '5551234', Timeout: 20_000, UserData: { campaign: 'c1' } },
        options: {},
      },
      { name: 'RequestRouteCall', args: { ThisDN: '5000', ConnID: A }, options: {} },
      { name: 'RequestSetInputMask', args: { InputMask: expect.any(Uint8Array) }, options: {} },
    ]);
    const mask = c.sent[4].args?.InputMask as Uint8Array;
    expect(mask[60 >> 3]).toBe(1 << (60 & 7)); // EventRinging is type 60
    expect(mask.reduce((n, b) => n + b, 0)).toBe(1 << (60 & 7));
  });

  it('the methods are not enumerable, are named, and are the same function for every instance', () => {
    const c = new RecordingClient();
    expect(Object.keys(RecordingClient.prototype)).toEqual([]);
    expect(c.holdCall.name).toBe('holdCall');
    expect(c.holdCall).toBe(new RecordingClient().holdCall);
  });

  it('refuses a class that already has one of the helper names', () => {
    class HasHoldCall {
      holdCall(): void {}
      request(): Promise<never> {
        return Promise.reject(new Error('unused'));
      }
    }
    expect(() => installHelpers(HasHoldCall)).toThrow(/already has a member holdCall/);
    // Nothing was installed on it.
    expect(Object.hasOwn(HasHoldCall.prototype, 'answerCall')).toBe(false);
  });

  const c = new RecordingClient();
  const cases: [string, () => Promise<unknown>, string, string | undefined][] = [
    [
      'an option the request does not take',
      () => c.holdCall('1001', A, { forwardMode: 1 } as never),
      'ERR_UNKNOWN_ATTRIBUTE',
      'forwardMode',
    ],
    [
      'a wrong-case option, with the right name',
      () => c.agentNotReady('1001', { workmode: 3 } as never),
      'ERR_UNKNOWN_ATTRIBUTE',
      'workmode',
    ],
    ['a positional attribute given as an option', () => c.holdCall('1001', A, { ConnID: B } as never), 'ERR_UNKNOWN_ATTRIBUTE', 'ConnID'],
    ['its camelCase name given as an option', () => c.holdCall('1001', A, { connId: B } as never), 'ERR_UNKNOWN_ATTRIBUTE', 'connId'],
    ['one attribute under both names', () => c.makeCall('1', '2', { userData: {}, UserData: {} }), 'ERR_INVALID_VALUE', 'UserData'],
    ['options that are not a plain object', () => c.holdCall('1001', A, 'fast' as never), 'ERR_INVALID_VALUE', undefined],
    ['request options with another key', () => c.holdCall('1001', A, {}, { timeout: 5 } as never), 'ERR_UNKNOWN_ATTRIBUTE', 'timeout'],
    ['too many arguments', () => (c.queryServer as (...a: unknown[]) => Promise<unknown>)({}, {}, {}), 'ERR_INVALID_VALUE', undefined],
    ['a mask with a name that is not an event', () => c.setInputMask(['RequestQueryServer' as never]), '', undefined],
  ];
  for (const [what, call, code, attribute] of cases) {
    it(`refuses ${what}, naming it, and sends nothing`, async () => {
      const before = c.sent.length;
      const err = await refusal(call());
      expect(c.sent.length).toBe(before);
      if (code === '') return expect(err.message).toMatch(/RequestQueryServer is not an event name/);
      expect(err.issues).toHaveLength(1);
      expect(err.issues[0].code).toBe(code);
      expect(err.issues[0].attribute).toBe(attribute);
      expect(err.message).toMatch(/^\w+: /); // the helper's name first
    });
  }

  it('says which name was meant, and lists what the helper takes', async () => {
    const err = await refusal(c.agentNotReady('1001', { workmode: 3 } as never));
    expect(err.message).toBe(
      'agentNotReady: option workmode is not taken (did you mean workMode?); options: reasons, queue, workMode, extensions, signal, timeoutMs, or the catalogue names',
    );
    const twice = await refusal(c.holdCall('1001', A, { connId: B } as never));
    expect(twice.message).toBe('holdCall: connId is the argument connId; it cannot be an option too');
    const many = await refusal((c.queryServer as (...a: unknown[]) => Promise<unknown>)({}, {}, {}));
    expect(many.message).toBe('queryServer: takes at most 2 arguments (options, requestOptions), got 3');
  });
});

describe('src/protocol runs in a browser', () => {
  it('no file of src/protocol (nor src/errors.ts, which it imports) uses a Node module or global', () => {
    const dir = new URL('../../src/protocol/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['helper-table.ts', 'helper-install.ts', 'helper-methods.ts']));
    const sources = [
      ...files.map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]),
      ['errors.ts', readFileSync(new URL('../errors.ts', dir), 'utf8')],
    ];
    for (const [file, text] of sources) {
      expect(text, file).not.toMatch(/from '(node:)?(fs|net|tls|events|buffer|util|crypto|os|path|stream|diagnostics_channel)'/);
      expect(text, file).not.toMatch(/\b(Buffer|process|require)\b[.(]/);
      // Imports stay in src/protocol, but for the error classes (type-only imports aside).
      for (const m of text.matchAll(/^import (?!type)[^;]*from '([^']+)'/gm)) expect(m[1], file).toMatch(/^\.\/|^\.\.\/errors\.js$/);
    }
  });
});
