import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TlibError } from '../../src/errors.js';
import {
  IVR_MESSAGE_SPECS,
  MONITOR_INFO_SUBTYPE_SPECS,
  IvrMessageError,
  buildIvrMessage,
  buildLoginResp,
  buildMonitorInfo,
  parseIvrMessage,
  validateIvrMessage,
  type IvrElementSpec,
  type IvrMessage,
} from '../../src/ivr/index.js';

// ---------------------------------------------------------------------------------------------
// Cases generated from the tables: one per message/subtype, one per required parameter, one per
// enumerated parameter, one per allowed value.

interface Shape {
  /** 'LoginResp', 'MonitorInfo/Agent', … */
  where: string;
  /** Parameters of the element that holds each parameter, by name. */
  params: Record<string, { spec: IvrElementSpec['params'][string]; element: string }>;
  head: Record<string, string>;
}

const SHAPES: Shape[] = [];
for (const [name, spec] of Object.entries(IVR_MESSAGE_SPECS) as [string, IvrElementSpec][]) {
  const own = Object.fromEntries(Object.entries(spec.params).map(([p, s]) => [p, { spec: s, element: name }]));
  if (!spec.subtypes) {
    SHAPES.push({ where: name, params: own, head: { Message: name } });
    continue;
  }
  for (const sub of spec.subtypes) {
    const subSpec = MONITOR_INFO_SUBTYPE_SPECS[sub as keyof typeof MONITOR_INFO_SUBTYPE_SPECS] as IvrElementSpec;
    const subParams = Object.fromEntries(Object.entries(subSpec.params).map(([p, s]) => [p, { spec: s, element: sub }]));
    SHAPES.push({ where: `${name}/${sub}`, params: { ...own, ...subParams }, head: { Message: name, Subtype: sub } });
  }
}

function sample(spec: Shape['params'][string]['spec'], name: string): unknown {
  if (spec.in === 'element') return { Key: 'value', 'other key': 'it\'s <fine> & "ok"' };
  return spec.values ? spec.values[0] : name === 'PortNum' ? '01' : `${name}-value`;
}

function minimal(shape: Shape): Record<string, unknown> {
  const m: Record<string, unknown> = { ...shape.head };
  for (const [p, { spec }] of Object.entries(shape.params)) if (spec.required) m[p] = sample(spec, p);
  return m;
}
function full(shape: Shape): Record<string, unknown> {
  const m: Record<string, unknown> = { ...shape.head };
  for (const [p, { spec }] of Object.entries(shape.params)) m[p] = sample(spec, p);
  return m;
}

const REQUIRED = SHAPES.flatMap((s) =>
  Object.entries(s.params)
    .filter(([, p]) => p.spec.required)
    .map(([param, p]) => ({ shape: s, param, element: p.element, allowed: 'values' in p.spec ? p.spec.values : undefined })),
);
const ENUMERATED = SHAPES.flatMap((s) =>
  Object.entries(s.params)
    .filter(([, p]) => 'values' in p.spec && p.spec.values)
    .map(([param, p]) => ({ shape: s, param, element: p.element, allowed: (p.spec as { values: readonly string[] }).values })),
);
const VALUES = ENUMERATED.flatMap((e) => e.allowed.map((value) => ({ ...e, value })));

function expectIvrError(
  fn: () => unknown,
  want: { reason: string; ivrMessage: string; parameter?: string; allowed?: readonly string[] },
): IvrMessageError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(IvrMessageError);
  expect(caught).toBeInstanceOf(TlibError);
  const err = caught as IvrMessageError;
  expect(err.code).toBe('ERR_IVR_MESSAGE');
  expect(err.name).toBe('IvrMessageError');
  expect(err.reason).toBe(want.reason);
  expect(err.ivrMessage).toBe(want.ivrMessage);
  expect(err.message).toContain(want.ivrMessage);
  if (want.parameter !== undefined) {
    expect(err.parameter).toBe(want.parameter);
    expect(err.message).toContain(want.parameter);
  }
  if (want.allowed !== undefined) {
    expect(err.allowed).toEqual(want.allowed);
    for (const v of want.allowed) expect(err.message).toContain(v);
  }
  return err;
}

/** Removes attribute `param` from element `element` in built XML. */
function dropAttribute(xml: string, element: string, param: string): string {
  const re = new RegExp(`(<${element}\\b[^>]*?) ${param}='[^']*'`);
  expect(re.test(xml)).toBe(true);
  return xml.replace(re, '$1');
}
function setAttribute(xml: string, element: string, param: string, value: string): string {
  const re = new RegExp(`(<${element}\\b[^>]*? ${param}=')[^']*'`);
  expect(re.test(xml)).toBe(true);
  return xml.replace(re, `$1${value}'`);
}

describe('the tables', () => {
  it('cover the seed: 2 messages, 3 subtypes, 8 required parameters, 5 enumerated ones, 18 values', () => {
    expect(SHAPES.map((s) => s.where)).toEqual(['LoginResp', 'MonitorInfo/Server', 'MonitorInfo/Port', 'MonitorInfo/Agent']);
    expect(REQUIRED.map((r) => `${r.shape.where}.${r.param}`)).toEqual([
      'LoginResp.IServerVersion',
      'LoginResp.Result',
      'MonitorInfo/Server.Name',
      'MonitorInfo/Server.Status',
      'MonitorInfo/Port.PortNum',
      'MonitorInfo/Port.Status',
      'MonitorInfo/Agent.PortNum',
      'MonitorInfo/Agent.Status',
    ]);
    expect(ENUMERATED.length).toBe(5);
    expect(VALUES.length).toBe(2 + 3 + 2 + 2 + 5);
  });
});

describe('the seed examples, byte for byte', () => {
  it.each([['LoggedIn'], ['LoggedOut'], ['Ready'], ['NotReady']] as const)("<Agent PortNum='01' Status='%s'/>", (status) => {
    expect(buildMonitorInfo({ Subtype: 'Agent', PortNum: '01', Status: status })).toBe(
      `<GctiMsg><MonitorInfo><Agent PortNum='01' Status='${status}'/></MonitorInfo></GctiMsg>`,
    );
  });
  it("<Server … Status='OK'/> and 'Unavailable', Name first, Switch last", () => {
    expect(buildMonitorInfo({ Subtype: 'Server', Name: 'TS1', Status: 'OK' })).toBe(
      "<GctiMsg><MonitorInfo><Server Name='TS1' Status='OK'/></MonitorInfo></GctiMsg>",
    );
    expect(buildMonitorInfo({ Subtype: 'Server', Switch: 'SW', Status: 'Unavailable', Name: 'TS1' })).toBe(
      "<GctiMsg><MonitorInfo><Server Name='TS1' Status='Unavailable' Switch='SW'/></MonitorInfo></GctiMsg>",
    );
  });
  it('ReqId is an attribute of MonitorInfo; Port carries PortNum and Status', () => {
    expect(buildMonitorInfo({ Subtype: 'Port', PortNum: '07', Status: 'Unavailable', ReqId: '42' })).toBe(
      "<GctiMsg><MonitorInfo ReqId='42'><Port PortNum='07' Status='Unavailable'/></MonitorInfo></GctiMsg>",
    );
  });
  it('LoginResp: attributes in table order, ConfigOptions as a child section of Option elements', () => {
    expect(buildLoginResp({ Status: 'OK', Result: 'Success', IServerVersion: '8.5.000.01', ConfigOptions: { a: '1', b: '' } })).toBe(
      "<GctiMsg><LoginResp IServerVersion='8.5.000.01' Result='Success' Status='OK'>" +
        "<ConfigOptions><Option Name='a' Value='1'/><Option Name='b' Value=''/></ConfigOptions></LoginResp></GctiMsg>",
    );
    expect(buildLoginResp({ IServerVersion: '8', Result: 'InvalidProtocolVersion' })).toBe(
      "<GctiMsg><LoginResp IServerVersion='8' Result='InvalidProtocolVersion'/></GctiMsg>",
    );
  });
  it('parses what a peer may write: double quotes, whitespace, comments, declaration, any attribute order', () => {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>
      <!-- from the IVR Server -->
      <GctiMsg>
        <MonitorInfo  ReqId = "9" >
          <!-- agent -->
          <Agent Status="NotReady"
                 PortNum="01" />
        </MonitorInfo>
      </GctiMsg>
    `;
    expect(parseIvrMessage(xml)).toEqual({ Message: 'MonitorInfo', Subtype: 'Agent', ReqId: '9', PortNum: '01', Status: 'NotReady' });
    expect(parseIvrMessage(new TextEncoder().encode(xml))).toEqual(parseIvrMessage(xml));
  });
  it('reads ISO-8859-1 bytes when declared, UTF-8 otherwise', () => {
    const latin1 = Buffer.from(
      "<?xml version='1.0' encoding='ISO-8859-1'?><GctiMsg><LoginResp IServerVersion='v\xe9' Result='Success'/></GctiMsg>",
      'latin1',
    );
    expect(parseIvrMessage(latin1)).toMatchObject({ IServerVersion: 'v\u00e9' });
    const utf8 = Buffer.from("<GctiMsg><LoginResp IServerVersion='v\u00e9\u{1F600}' Result='Success'/></GctiMsg>", 'utf8');
    expect(parseIvrMessage(utf8)).toMatchObject({ IServerVersion: 'v\u00e9\u{1F600}' });
  });
});

describe('round trip: build → parse → equal', () => {
  it.each(SHAPES.map((s) => [s.where, s] as const))('%s with required parameters only', (_w, shape) => {
    const m = minimal(shape) as unknown as IvrMessage;
    expect(parseIvrMessage(buildIvrMessage(m))).toEqual(m);
  });
  it.each(SHAPES.map((s) => [s.where, s] as const))('%s with every parameter', (_w, shape) => {
    const m = full(shape) as unknown as IvrMessage;
    const xml = buildIvrMessage(m);
    expect(parseIvrMessage(xml)).toEqual(m);
    // and the XML itself is stable
    expect(buildIvrMessage(parseIvrMessage(xml))).toBe(xml);
  });
  it.each(VALUES.map((v) => [v.shape.where, v.param, v.value, v] as const))('%s %s=%s', (_w, param, value, v) => {
    const m = { ...full(v.shape), [param]: value } as unknown as IvrMessage;
    const xml = buildIvrMessage(m);
    expect(xml).toContain(`<${v.element}`);
    expect(xml).toMatch(new RegExp(`<${v.element}\\b[^>]* ${param}='${value}'`));
    expect(parseIvrMessage(xml)).toEqual(m);
  });
  it('any string of XML characters round-trips in every free-text parameter (property)', () => {
    const xmlString = fc
      .string({ unit: 'binary', maxLength: 40 })
      .map((s) => s.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?'));
    fc.assert(
      fc.property(
        xmlString.filter((s) => s.length > 0),
        xmlString,
        fc.dictionary(
          xmlString.filter((s) => s.length > 0),
          xmlString,
        ),
        (a, b, opts) => {
          const login = { Message: 'LoginResp', IServerVersion: a, Result: 'Success', ConfigOptions: opts } as const;
          expect(parseIvrMessage(buildIvrMessage(login))).toEqual(login);
          const server = { Message: 'MonitorInfo', Subtype: 'Server', Name: a, Status: 'OK', Switch: b, ReqId: b } as const;
          expect(parseIvrMessage(buildIvrMessage(server))).toEqual(server);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('required parameters: one case each, on build and on parse', () => {
  it.each(REQUIRED.map((r) => [r.shape.where, r.param, r] as const))('build %s without %s', (_w, param, r) => {
    const m = minimal(r.shape);
    delete m[param];
    expectIvrError(() => buildIvrMessage(m as unknown as IvrMessage), {
      reason: 'missing',
      ivrMessage: r.shape.where,
      parameter: param,
      allowed: r.allowed,
    });
  });
  it.each(REQUIRED.map((r) => [r.shape.where, r.param, r] as const))('build %s with an empty %s', (_w, param, r) => {
    if (r.allowed) return; // enumerated: '' is a not-allowed value, covered below
    const m = { ...minimal(r.shape), [param]: '' };
    expectIvrError(() => buildIvrMessage(m as unknown as IvrMessage), { reason: 'missing', ivrMessage: r.shape.where, parameter: param });
  });
  it.each(REQUIRED.map((r) => [r.shape.where, r.param, r] as const))('parse %s without %s', (_w, param, r) => {
    const xml = dropAttribute(buildIvrMessage(full(r.shape) as unknown as IvrMessage), r.element, param);
    expectIvrError(() => parseIvrMessage(xml), { reason: 'missing', ivrMessage: r.shape.where, parameter: param, allowed: r.allowed });
  });
  it('MonitorInfo without a subtype (build and parse), Message missing or unknown', () => {
    expectIvrError(() => buildIvrMessage({ Message: 'MonitorInfo', ReqId: '1' } as unknown as IvrMessage), {
      reason: 'missing',
      ivrMessage: 'MonitorInfo',
      parameter: 'Subtype',
      allowed: ['Server', 'Port', 'Agent'],
    });
    expectIvrError(() => parseIvrMessage("<GctiMsg><MonitorInfo ReqId='1'/></GctiMsg>"), {
      reason: 'missing',
      ivrMessage: 'MonitorInfo',
      parameter: 'Subtype',
      allowed: ['Server', 'Port', 'Agent'],
    });
    expectIvrError(() => parseIvrMessage('<GctiMsg></GctiMsg>'), {
      reason: 'missing',
      ivrMessage: 'GctiMsg',
      parameter: 'Message',
      allowed: ['LoginResp', 'MonitorInfo'],
    });
    expectIvrError(() => buildIvrMessage({ IServerVersion: '1' } as unknown as IvrMessage), {
      reason: 'missing',
      ivrMessage: 'GctiMsg',
      parameter: 'Message',
      allowed: ['LoginResp', 'MonitorInfo'],
    });
  });
});

describe('enumerated values outside the lists: one case per parameter, on build and on parse', () => {
  const BAD = ['Bogus', '', 'ok', ' OK', 'LoggedIn '];
  it.each(ENUMERATED.flatMap((e) => BAD.filter((b) => !e.allowed.includes(b)).map((b) => [e.shape.where, e.param, b, e] as const)))(
    'build %s %s=%j',
    (_w, param, bad, e) => {
      const m = { ...full(e.shape), [param]: bad };
      expectIvrError(() => buildIvrMessage(m as unknown as IvrMessage), {
        reason: 'not-allowed',
        ivrMessage: e.shape.where,
        parameter: param,
        allowed: e.allowed,
      });
    },
  );
  it.each(ENUMERATED.map((e) => [e.shape.where, e.param, e] as const))('parse %s %s=Bogus', (_w, param, e) => {
    const xml = setAttribute(buildIvrMessage(full(e.shape) as unknown as IvrMessage), e.element, param, 'Bogus');
    expectIvrError(() => parseIvrMessage(xml), { reason: 'not-allowed', ivrMessage: e.shape.where, parameter: param, allowed: e.allowed });
  });
  it('a value of another parameter is still refused (Agent Status=OK, Server Status=Ready)', () => {
    expectIvrError(() => buildMonitorInfo({ Subtype: 'Agent', PortNum: '01', Status: 'OK' as never }), {
      reason: 'not-allowed',
      ivrMessage: 'MonitorInfo/Agent',
      parameter: 'Status',
    });
    expectIvrError(() => parseIvrMessage("<GctiMsg><MonitorInfo><Server Name='a' Status='Ready'/></MonitorInfo></GctiMsg>"), {
      reason: 'not-allowed',
      ivrMessage: 'MonitorInfo/Server',
      parameter: 'Status',
      allowed: ['OK', 'Unavailable'],
    });
  });
});

describe('everything else the tables do not have is refused', () => {
  it.each([
    [
      'unknown attribute',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success' Extra='x'/></GctiMsg>",
      'unknown-parameter',
      'LoginResp',
      'Extra',
    ],
    [
      'lower-case attribute',
      "<GctiMsg><LoginResp iserverversion='1' Result='Success'/></GctiMsg>",
      'unknown-parameter',
      'LoginResp',
      'iserverversion',
    ],
    [
      'subtype attribute on MonitorInfo',
      "<GctiMsg><MonitorInfo PortNum='01'><Agent PortNum='01' Status='Ready'/></MonitorInfo></GctiMsg>",
      'unknown-parameter',
      'MonitorInfo',
      'PortNum',
    ],
    [
      'ReqId on the subtype',
      "<GctiMsg><MonitorInfo><Agent ReqId='1' PortNum='01' Status='Ready'/></MonitorInfo></GctiMsg>",
      'unknown-parameter',
      'MonitorInfo/Agent',
      'ReqId',
    ],
    [
      'Switch on Port',
      "<GctiMsg><MonitorInfo><Port PortNum='01' Status='OK' Switch='s'/></MonitorInfo></GctiMsg>",
      'unknown-parameter',
      'MonitorInfo/Port',
      'Switch',
    ],
    ['unknown message', '<GctiMsg><LoginReq/></GctiMsg>', 'unknown-message', 'GctiMsg', 'Message'],
    ['unknown subtype', '<GctiMsg><MonitorInfo><Call/></MonitorInfo></GctiMsg>', 'unknown-message', 'MonitorInfo', 'Subtype'],
    [
      'two subtypes',
      "<GctiMsg><MonitorInfo><Port PortNum='1' Status='OK'/><Port PortNum='2' Status='OK'/></MonitorInfo></GctiMsg>",
      'duplicate',
      'MonitorInfo',
      'Subtype',
    ],
    [
      'two messages',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'/><LoginResp IServerVersion='1' Result='Success'/></GctiMsg>",
      'duplicate',
      'GctiMsg',
      'Message',
    ],
    ['wrong root', "<Msg><LoginResp IServerVersion='1' Result='Success'/></Msg>", 'unknown-message', 'GctiMsg', undefined],
    [
      'attribute on GctiMsg',
      "<GctiMsg v='1'><LoginResp IServerVersion='1' Result='Success'/></GctiMsg>",
      'unknown-parameter',
      'GctiMsg',
      'v',
    ],
    [
      'ConfigOptions as an attribute',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success' ConfigOptions='a'/></GctiMsg>",
      'unknown-parameter',
      'LoginResp',
      'ConfigOptions',
    ],
    [
      'Status as a child element',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'><Status/></LoginResp></GctiMsg>",
      'unknown-parameter',
      'LoginResp',
      'Status',
    ],
    [
      'ConfigOptions twice',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'><ConfigOptions/><ConfigOptions/></LoginResp></GctiMsg>",
      'duplicate',
      'LoginResp',
      'ConfigOptions',
    ],
    [
      'option twice',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'><ConfigOptions><Option Name='a' Value='1'/><Option Name='a' Value='2'/></ConfigOptions></LoginResp></GctiMsg>",
      'duplicate',
      'LoginResp',
      'ConfigOptions',
    ],
    [
      'option without Value',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'><ConfigOptions><Option Name='a'/></ConfigOptions></LoginResp></GctiMsg>",
      'missing',
      'LoginResp',
      'ConfigOptions',
    ],
    [
      'option without Name',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'><ConfigOptions><Option Value='a'/></ConfigOptions></LoginResp></GctiMsg>",
      'missing',
      'LoginResp',
      'ConfigOptions',
    ],
    [
      'other element in ConfigOptions',
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'><ConfigOptions><Opt/></ConfigOptions></LoginResp></GctiMsg>",
      'unknown-parameter',
      'LoginResp',
      'ConfigOptions',
    ],
    [
      'child inside a subtype',
      "<GctiMsg><MonitorInfo><Agent PortNum='1' Status='Ready'><x/></Agent></MonitorInfo></GctiMsg>",
      'unknown-parameter',
      'MonitorInfo/Agent',
      'x',
    ],
  ] as const)('parse: %s', (_t, xml, reason, ivrMessage, parameter) => {
    expectIvrError(() => parseIvrMessage(xml), { reason, ivrMessage, parameter });
  });

  it('build: unknown keys, wrong types, characters XML cannot carry', () => {
    expectIvrError(() => buildLoginResp({ IServerVersion: '1', Result: 'Success', status: 'OK' } as never), {
      reason: 'unknown-parameter',
      ivrMessage: 'LoginResp',
      parameter: 'status',
    });
    expectIvrError(() => buildMonitorInfo({ Subtype: 'Port', PortNum: '1', Status: 'OK', Name: 'x' } as never), {
      reason: 'unknown-parameter',
      ivrMessage: 'MonitorInfo/Port',
      parameter: 'Name',
    });
    expectIvrError(() => buildMonitorInfo({ Subtype: 'Agent', PortNum: 1 as never, Status: 'Ready' }), {
      reason: 'invalid',
      ivrMessage: 'MonitorInfo/Agent',
      parameter: 'PortNum',
    });
    expectIvrError(() => buildMonitorInfo({ Subtype: 'Agent', PortNum: '0\u00001', Status: 'Ready' }), {
      reason: 'invalid',
      ivrMessage: 'MonitorInfo/Agent',
      parameter: 'PortNum',
    });
    expectIvrError(() => buildMonitorInfo({ Subtype: 'Server', Name: 'a\uD800', Status: 'OK' }), {
      reason: 'invalid',
      ivrMessage: 'MonitorInfo/Server',
      parameter: 'Name',
    });
    expectIvrError(() => buildLoginResp({ IServerVersion: '1', Result: 'Success', ConfigOptions: ['a'] as never }), {
      reason: 'invalid',
      ivrMessage: 'LoginResp',
      parameter: 'ConfigOptions',
    });
    expectIvrError(() => buildLoginResp({ IServerVersion: '1', Result: 'Success', ConfigOptions: { a: 1 } as never }), {
      reason: 'invalid',
      ivrMessage: 'LoginResp',
      parameter: 'ConfigOptions',
    });
    expectIvrError(() => buildLoginResp({ IServerVersion: '1', Result: 'Success', ConfigOptions: { '': 'x' } }), {
      reason: 'invalid',
      ivrMessage: 'LoginResp',
      parameter: 'ConfigOptions',
    });
    expectIvrError(() => buildIvrMessage({ Message: 'MonitorInfo', Subtype: 'Call' } as never), {
      reason: 'unknown-message',
      ivrMessage: 'MonitorInfo',
      parameter: 'Subtype',
      allowed: ['Server', 'Port', 'Agent'],
    });
    expectIvrError(() => buildIvrMessage(null as never), { reason: 'invalid', ivrMessage: 'GctiMsg' });
  });

  it('validateIvrMessage returns a clean copy', () => {
    const opts = { a: '1' };
    const m = validateIvrMessage({ Message: 'LoginResp', IServerVersion: '1', Result: 'Success', ConfigOptions: opts });
    expect(m).toEqual({ Message: 'LoginResp', IServerVersion: '1', Result: 'Success', ConfigOptions: { a: '1' } });
    expect((m as { ConfigOptions: object }).ConfigOptions).not.toBe(opts);
  });
});

describe('hostile values are escaped on build and come back unchanged', () => {
  const HOSTILE = [
    `&<>'"`,
    `x' Status='OK`,
    `x" Status="OK`,
    `'/><Agent PortNum='02' Status='Ready'/><x a='`,
    `</MonitorInfo></GctiMsg><GctiMsg>`,
    `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`,
    '&amp;&lt;&#60;&#x3C;&e;',
    ']]>',
    '<!-- c -->',
    'tab\there\nnew\r\nline\rcr',
    '  leading and trailing  ',
    '\u00e9\u4e2d\u{1F600}',
  ];
  it.each(HOSTILE.map((h) => [h]))('%j', (h) => {
    const server = { Message: 'MonitorInfo', Subtype: 'Server', Name: h, Status: 'Unavailable', Switch: h, ReqId: h } as const;
    const xml = buildIvrMessage(server);
    // Only the envelope's own markup: nothing from the value became an element or an attribute.
    expect(xml.match(/</g)).toHaveLength(5);
    expect(xml.match(/'/g)).toHaveLength(8);
    expect(xml).not.toMatch(/&(?!(amp|lt|gt|apos|quot|#9|#10|#13);)/);
    expect(parseIvrMessage(xml)).toEqual(server);
    const login = { Message: 'LoginResp', IServerVersion: h, Result: 'Success', ConfigOptions: { [h]: h } } as const;
    expect(parseIvrMessage(buildIvrMessage(login))).toEqual(login);
  });
  it('escapes exactly & < > \' " and tab, newline, carriage return', () => {
    expect(buildMonitorInfo({ Subtype: 'Server', Name: `&<>'"\t\n\r`, Status: 'OK' })).toBe(
      "<GctiMsg><MonitorInfo><Server Name='&amp;&lt;&gt;&apos;&quot;&#9;&#10;&#13;' Status='OK'/></MonitorInfo></GctiMsg>",
    );
  });
  it('an option named __proto__ is a plain key, not a prototype', () => {
    const xml =
      "<GctiMsg><LoginResp IServerVersion='1' Result='Success'><ConfigOptions><Option Name='__proto__' Value='x'/><Option Name='constructor' Value='y'/></ConfigOptions></LoginResp></GctiMsg>";
    const m = parseIvrMessage(xml) as { ConfigOptions: Record<string, string> };
    expect(Object.getPrototypeOf(m.ConfigOptions)).toBe(Object.prototype);
    expect(Object.keys(m.ConfigOptions)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(m.ConfigOptions, '__proto__')?.value).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(buildIvrMessage(m as never)).toBe(xml);
  });
  it('attribute-value normalization: literal tab/newline in input become spaces, references do not', () => {
    const xml = "<GctiMsg><MonitorInfo><Server Name='a\tb\nc\r\nd&#10;e' Status='OK'/></MonitorInfo></GctiMsg>";
    expect(parseIvrMessage(xml)).toMatchObject({ Name: 'a b c d\ne' });
  });
});
