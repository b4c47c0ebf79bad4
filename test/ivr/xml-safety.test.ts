import { describe, expect, it } from 'vitest';
import { TlibError } from '../../src/errors.js';
import { IVR_DEFAULT_MAX_BYTES, IvrXmlError, parseIvrMessage, type IvrXmlErrorReason } from '../../src/ivr/index.js';
import { cpuMark, cpuMsSince } from '../util/cpu-time.js';

const OK = "<GctiMsg><MonitorInfo><Agent PortNum='01' Status='Ready'/></MonitorInfo></GctiMsg>";

function expectXmlError(
  input: string | Uint8Array,
  reason: IvrXmlErrorReason,
  text?: RegExp,
  options?: { maxBytes?: number },
): IvrXmlError {
  let caught: unknown;
  const mark = cpuMark();
  try {
    parseIvrMessage(input, options);
  } catch (e) {
    caught = e;
  }
  // Never hangs: every refusal here is a single linear pass (CPU time: the parse is our own work
  // blocking the loop; a busy machine must not count).
  expect(cpuMsSince(mark)).toBeLessThan(2000);
  expect(caught).toBeInstanceOf(IvrXmlError);
  expect(caught).toBeInstanceOf(TlibError);
  const err = caught as IvrXmlError;
  expect(err.code).toBe('ERR_IVR_XML');
  expect(err.reason).toBe(reason);
  expect(typeof err.offset).toBe('number');
  if (text) expect(err.message).toMatch(text);
  return err;
}

describe('DOCTYPE and entity declarations are refused, entities never expanded', () => {
  it.each([
    [
      'billion laughs',
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><GctiMsg><LoginResp IServerVersion="&lol2;" Result="Success"/></GctiMsg>`,
    ],
    [
      'XXE file',
      `<!DOCTYPE GctiMsg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><GctiMsg><LoginResp IServerVersion="&xxe;" Result="Success"/></GctiMsg>`,
    ],
    ['XXE http', `<!DOCTYPE GctiMsg [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]><GctiMsg/>`],
    ['parameter entity', `<!DOCTYPE GctiMsg [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><GctiMsg/>`],
    ['external DTD only', `<!DOCTYPE GctiMsg SYSTEM 'IServer.dtd'><GctiMsg><LoginResp IServerVersion='1' Result='Success'/></GctiMsg>`],
    ['lower-case doctype', `<!doctype GctiMsg><GctiMsg/>`],
    ['after a comment', `<!-- hi --><!DOCTYPE GctiMsg><GctiMsg/>`],
    ['bare ENTITY at top level', `<!ENTITY x "y"><GctiMsg/>`],
    ['DOCTYPE inside the root', `<GctiMsg><!DOCTYPE x></GctiMsg>`],
    ['ENTITY inside an element', `<GctiMsg><LoginResp IServerVersion='1' Result='Success'><!ENTITY x "y"></LoginResp></GctiMsg>`],
    ['ATTLIST', `<!ATTLIST GctiMsg a CDATA "x"><GctiMsg/>`],
  ])('%s', (_t, xml) => {
    expectXmlError(xml, 'doctype', /refused/);
  });

  it.each([
    ['undeclared named entity', `<GctiMsg><LoginResp IServerVersion='&xxe;' Result='Success'/></GctiMsg>`],
    ['html entity', `<GctiMsg><LoginResp IServerVersion='&nbsp;' Result='Success'/></GctiMsg>`],
    [
      'entity in an option',
      `<GctiMsg><LoginResp IServerVersion='1' Result='Success'><ConfigOptions><Option Name='a' Value='&e;'/></ConfigOptions></LoginResp></GctiMsg>`,
    ],
  ])('%s', (_t, xml) => {
    expectXmlError(xml, 'entity', /never/);
  });

  it('the five predefined entities and character references are decoded', () => {
    expect(
      parseIvrMessage(`<GctiMsg><LoginResp IServerVersion='&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;' Result='Success'/></GctiMsg>`),
    ).toMatchObject({ IServerVersion: `<>&'"AB\u{1F600}` });
  });

  it('a literal &amp;lol; stays text: no second round of expansion', () => {
    expect(parseIvrMessage(`<GctiMsg><LoginResp IServerVersion='&amp;lol;' Result='Success'/></GctiMsg>`)).toMatchObject({
      IServerVersion: '&lol;',
    });
  });
});

describe('oversized input', () => {
  it(`default limit is 64 KiB (${IVR_DEFAULT_MAX_BYTES} bytes), inclusive`, () => {
    expect(IVR_DEFAULT_MAX_BYTES).toBe(65536);
    const atLimit = OK + ' '.repeat(IVR_DEFAULT_MAX_BYTES - OK.length);
    expect(parseIvrMessage(atLimit)).toMatchObject({ Subtype: 'Agent' });
    expect(parseIvrMessage(Buffer.from(atLimit))).toMatchObject({ Subtype: 'Agent' });
    const err = expectXmlError(atLimit + ' ', 'too-large', /65536 bytes/);
    expect(err.offset).toBe(0);
    expectXmlError(Buffer.from(atLimit + ' '), 'too-large');
  });
  it('counts UTF-8 bytes, not characters', () => {
    const name = '\u00e9'.repeat(40); // 80 bytes
    const xml = `<GctiMsg><MonitorInfo><Server Name='${name}' Status='OK'/></MonitorInfo></GctiMsg>`;
    const bytes = Buffer.byteLength(xml);
    expect(parseIvrMessage(xml, { maxBytes: bytes })).toMatchObject({ Name: name });
    expectXmlError(xml, 'too-large', undefined, { maxBytes: bytes - 1 });
    expect(xml.length).toBeLessThan(bytes - 1);
  });
  it('the limit is configurable, and checked before anything is read', () => {
    expectXmlError(OK, 'too-large', /limit of 10 bytes/, { maxBytes: 10 });
    // a 16 MiB string full of declarations is refused for its size, at once
    expectXmlError('<!DOCTYPE x [' + '<!ENTITY a "b">'.repeat(1 << 20) + ']>', 'too-large');
    expectXmlError(new Uint8Array(1 << 24), 'too-large');
    expect(parseIvrMessage(OK + ' '.repeat(200_000), { maxBytes: 1 << 20 })).toMatchObject({ Status: 'Ready' });
  });
  it('refuses a bad limit', () => {
    expect(() => parseIvrMessage(OK, { maxBytes: 0 })).toThrow(RangeError);
    expect(() => parseIvrMessage(OK, { maxBytes: Number.NaN })).toThrow(RangeError);
  });
});

describe('malformed XML gets a clear error', () => {
  it.each([
    ['empty input', '', /no root element/],
    ['whitespace only', '  \n ', /no root element/],
    ['text, not XML', 'hello', /expected the root element/],
    ['unclosed start tag', '<GctiMsg', /end of input/],
    ['unclosed element', '<GctiMsg><MonitorInfo>', /not closed/],
    ['mismatched end tag', "<GctiMsg><MonitorInfo><Agent PortNum='1' Status='Ready'/></Monitor></GctiMsg>", /does not close <MonitorInfo>/],
    ['stray end tag', '</GctiMsg>', /expected an element name/],
    ['duplicate attribute', "<GctiMsg><MonitorInfo><Agent PortNum='1' PortNum='2' Status='Ready'/></MonitorInfo></GctiMsg>", /twice/],
    ['unquoted attribute', '<GctiMsg><MonitorInfo><Agent PortNum=1 Status=Ready/></MonitorInfo></GctiMsg>', /quoted/],
    ['attribute without value', '<GctiMsg><MonitorInfo><Agent PortNum Status="Ready"/></MonitorInfo></GctiMsg>', /'='/],
    [
      'unterminated attribute',
      "<GctiMsg><MonitorInfo><Agent PortNum='1 Status='Ready/></MonitorInfo></GctiMsg>",
      /not terminated|whitespace/,
    ],
    ['< in attribute value', "<GctiMsg><MonitorInfo><Server Name='a<b' Status='OK'/></MonitorInfo></GctiMsg>", /'<' is not allowed/],
    ['bare & in attribute value', "<GctiMsg><MonitorInfo><Server Name='a & b' Status='OK'/></MonitorInfo></GctiMsg>", /reference/],
    ['attributes not separated', "<GctiMsg><MonitorInfo><Agent PortNum='1'Status='Ready'/></MonitorInfo></GctiMsg>", /whitespace/],
    ['text content', '<GctiMsg>hello<MonitorInfo/></GctiMsg>', /text content/],
    ['reference as text', '<GctiMsg>&amp;</GctiMsg>', /text content/],
    ['CDATA', '<GctiMsg><![CDATA[x]]></GctiMsg>', /CDATA/],
    ['processing instruction', '<?php x ?><GctiMsg/>', /processing instruction/],
    ['declaration not first', ' <?xml version="1.0"?><GctiMsg/>', /processing instruction/],
    ['declaration without version', '<?xml encoding="UTF-8"?><GctiMsg/>', /version/],
    ['XML 2.0', '<?xml version="2.0"?><GctiMsg/>', /unsupported XML version/],
    ['two roots', '<GctiMsg/><GctiMsg/>', /follow the root/],
    ['trailing text', '<GctiMsg/>x', /follow the root/],
    ['unterminated comment', '<GctiMsg><!-- x </GctiMsg>', /comment is not terminated/],
    ['-- in comment', '<GctiMsg><!-- a -- b --></GctiMsg>', /'--'/],
    [
      'control character',
      "<GctiMsg><MonitorInfo><Server Name='a\u0001' Status='OK'/></MonitorInfo></GctiMsg>",
      /U\+0001 is not an XML character/,
    ],
    ['NUL', '<GctiMsg>\u0000</GctiMsg>', /U\+0000/],
    ['lone surrogate', "<GctiMsg><MonitorInfo><Server Name='\uD800' Status='OK'/></MonitorInfo></GctiMsg>", /U\+D800/],
    ['char reference to NUL', "<GctiMsg><MonitorInfo><Server Name='&#0;' Status='OK'/></MonitorInfo></GctiMsg>", /not an XML character/],
    [
      'char reference out of range',
      "<GctiMsg><MonitorInfo><Server Name='&#x110000;' Status='OK'/></MonitorInfo></GctiMsg>",
      /not an XML character/,
    ],
    ['bad char reference', "<GctiMsg><MonitorInfo><Server Name='&#xZZ;' Status='OK'/></MonitorInfo></GctiMsg>", /bad character reference/],
    ['non-ASCII element name', '<GctiMsg><Mönitor/></GctiMsg>', /expected whitespace|element name/],
    ['too deep', '<a>'.repeat(40) + '</a>'.repeat(40), /deeper than 32/],
    ['unsupported encoding', Buffer.from("<?xml version='1.0' encoding='UTF-16'?><GctiMsg/>"), /unsupported encoding/],
    ['bad UTF-8', Buffer.from([0x3c, 0x47, 0xff, 0x3e]), /not valid UTF-8/],
    ['US-ASCII with high bytes', Buffer.from("<?xml version='1.0' encoding='US-ASCII'?><GctiMsg a='\xe9'/>", 'latin1'), /US-ASCII/],
  ] as const)('%s', (_t, input, text) => {
    expectXmlError(input, 'malformed', text);
  });

  it('reports where: the offset points at the problem', () => {
    const xml = "<GctiMsg><MonitorInfo><Server Name='a<b' Status='OK'/></MonitorInfo></GctiMsg>";
    const err = expectXmlError(xml, 'malformed');
    expect(err.offset).toBe(xml.indexOf('<b'));
    expect(err.message).toContain(`at offset ${err.offset}`);
  });

  it('refuses things that are not text or bytes', () => {
    expectXmlError(42 as never, 'malformed', /string or a Uint8Array/);
  });
});

describe('never hangs: pathological inputs near the limit finish quickly', () => {
  const N = IVR_DEFAULT_MAX_BYTES - 100;
  it.each([
    ['many <', '<'.repeat(N), 'malformed'],
    ['deep nesting', '<a>'.repeat(N / 3), 'malformed'],
    ['huge attribute value', `<GctiMsg a='${'x'.repeat(N)}`, 'malformed'],
    ['many attributes', `<GctiMsg ${Array.from({ length: N / 8 }, (_, i) => `a${i}=''`).join(' ')}/>`, null],
    ['many ampersands', `<GctiMsg a='${'&'.repeat(N)}'/>`, 'malformed'],
    ['many near-references', `<GctiMsg a='${'&amp'.repeat(N / 4)}'/>`, 'malformed'],
    ['long comment', `<!--${'-'.repeat(N)}`, 'malformed'],
    ['many comments', `<GctiMsg>${'<!---->'.repeat(N / 7)}</GctiMsg>`, null],
    ['whitespace then garbage', `<GctiMsg>${' '.repeat(N)}x</GctiMsg>`, 'malformed'],
    ['many siblings', `<GctiMsg>${'<a/>'.repeat(N / 4)}</GctiMsg>`, null],
  ] as const)('%s', (_t, xml, reason) => {
    const mark = cpuMark();
    let caught: unknown;
    try {
      parseIvrMessage(xml);
    } catch (e) {
      caught = e;
    }
    expect(cpuMsSince(mark)).toBeLessThan(2000); // CPU time, as above
    expect(caught).toBeInstanceOf(TlibError);
    if (reason) expect((caught as IvrXmlError).reason).toBe(reason);
  });
});
