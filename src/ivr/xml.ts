/**
 * A small strict XML reader and writer for the IVR messages' subset of XML: elements, attributes,
 * whitespace, comments and an optional `<?xml …?>` declaration. Nothing else is accepted: no
 * DOCTYPE or other declarations (so no entity expansion and no external loading, ever), no CDATA,
 * no processing instructions, no text content. One pass over the input with `indexOf` and sticky
 * regular expressions without backtracking, an explicit stack (no recursion) and a depth limit:
 * time is linear in the input, which is size-limited before anything else is done.
 */
import { Buffer } from 'node:buffer';
import { IvrXmlError } from './errors.js';

/** Default input limit of the parser: 64 KiB (IVR messages are a few hundred bytes). */
export const IVR_DEFAULT_MAX_BYTES = 64 * 1024;
/** Deepest element nesting accepted (the IVR messages use 4). */
export const IVR_MAX_DEPTH = 32;

export interface XmlElement {
  readonly name: string;
  /** Attributes in document order, values decoded. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Index of the element's `<` in the decoded text. */
  readonly offset: number;
}

export interface XmlReadOptions {
  /** Largest input accepted, in bytes (UTF-8 for strings). Default {@link IVR_DEFAULT_MAX_BYTES}. */
  maxBytes?: number;
}

/** Every character XML 1.0 can carry (the `Char` production). */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Index of the first character XML 1.0 cannot carry, or -1. */
export function findNonXmlChar(s: string): number {
  const m = NOT_XML_CHAR.exec(s);
  return m ? m.index : -1;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&apos;',
  '"': '&quot;',
  // Written as character references so that attribute-value normalization does not turn them
  // into spaces on the way back in: values round-trip exactly.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escapes a value for a quoted attribute (`& < > ' "`, and tab/newline/CR as references). */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>'"\t\n\r]/g, (c) => ESCAPES[c]);
}

/** Writes one element with single-quoted attributes, self-closed when it has no children. */
export function writeElement(name: string, attributes: ReadonlyArray<readonly [string, string]>, children: string[]): string {
  let s = `<${name}`;
  for (const [k, v] of attributes) s += ` ${k}='${escapeAttribute(v)}'`;
  return children.length === 0 ? `${s}/>` : `${s}>${children.join('')}</${name}>`;
}

// ---------------------------------------------------------------------------------------------
// Reading

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const WS = /[ \t\r\n]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function decodeInput(input: string | Uint8Array, maxBytes: number): string {
  if (typeof input === 'string') {
    // A UTF-16 code unit is at least one UTF-8 byte: a long string is refused without measuring.
    if (input.length > maxBytes || Buffer.byteLength(input, 'utf8') > maxBytes) {
      throw new IvrXmlError('too-large', `input is larger than the limit of ${maxBytes} bytes`, 0);
    }
    return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  }
  if (!(input instanceof Uint8Array)) {
    throw new IvrXmlError('malformed', 'input must be a string or a Uint8Array', 0);
  }
  if (input.byteLength > maxBytes) {
    throw new IvrXmlError('too-large', `input is larger than the limit of ${maxBytes} bytes`, 0);
  }
  let bytes = input;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  // The declaration, if any, is ASCII: read it as latin1 to find the declared encoding.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 200)).toString('latin1');
  const declared = /^<\?xml[^>]*?\sencoding\s*=\s*(['"])([A-Za-z0-9._-]+)\1/.exec(head)?.[2]?.toLowerCase();
  if (declared === undefined || declared === 'utf-8' || declared === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw new IvrXmlError('malformed', 'input is not valid UTF-8', 0);
    }
  }
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'us-ascii' || declared === 'ascii') {
    if (declared.includes('ascii') && bytes.some((b) => b > 0x7f)) {
      throw new IvrXmlError('malformed', 'input declared US-ASCII has bytes above 0x7F', 0);
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
  throw new IvrXmlError('malformed', `unsupported encoding '${declared}' (UTF-8, ISO-8859-1 or US-ASCII)`, 0);
}

function isXmlCodePoint(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(reason: 'malformed' | 'doctype' | 'entity', detail: string, at = this.pos): never {
    throw new IvrXmlError(reason, detail, at);
  }

  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  skipWs(): boolean {
    WS.lastIndex = this.pos;
    WS.exec(this.text);
    const moved = WS.lastIndex > this.pos;
    this.pos = WS.lastIndex;
    return moved;
  }

  name(what: string): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.text);
    if (!m) {
      const c = this.text[this.pos];
      this.fail(
        'malformed',
        c === undefined ? `unexpected end of input, expected ${what}` : `expected ${what}, found ${JSON.stringify(c)}`,
      );
    }
    this.pos = NAME.lastIndex;
    return m[0];
  }

  expect(s: string, what: string): void {
    if (!this.startsWith(s)) {
      const c = this.text[this.pos];
      this.fail(
        'malformed',
        c === undefined ? `unexpected end of input, expected ${what}` : `expected ${what}, found ${JSON.stringify(c)}`,
      );
    }
    this.pos += s.length;
  }

  /** Reads `= 'value'` after an attribute name; returns the decoded value. */
  attributeValue(attr: string): string {
    this.skipWs();
    this.expect('=', `'=' after attribute ${attr}`);
    this.skipWs();
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') this.fail('malformed', `attribute ${attr} value must be quoted`);
    const start = this.pos + 1;
    const end = this.text.indexOf(quote, start);
    if (end < 0) this.fail('malformed', `attribute ${attr} value is not terminated`, this.pos);
    const raw = this.text.slice(start, end);
    const lt = raw.indexOf('<');
    if (lt >= 0) this.fail('malformed', `'<' is not allowed in attribute ${attr} value`, start + lt);
    this.pos = end + 1;
    return this.decodeAttribute(raw, start);
  }

  /** Resolves references and normalizes whitespace as XML does for CDATA attributes. */
  decodeAttribute(raw: string, base: number): string {
    let out = '';
    let i = 0;
    while (i < raw.length) {
      const c = raw[i];
      if (c === '&') {
        const semi = raw.indexOf(';', i + 1);
        const ref = semi < 0 ? '' : raw.slice(i + 1, semi);
        if (semi < 0 || semi - i > 12 || ref.length === 0) {
          this.fail('malformed', "'&' must start a reference such as &amp;", base + i);
        }
        if (ref[0] === '#') {
          const hex = ref[1] === 'x';
          const digits = ref.slice(hex ? 2 : 1);
          if (!(hex ? /^[0-9A-Fa-f]+$/ : /^[0-9]+$/).test(digits)) {
            this.fail('malformed', `bad character reference &${ref};`, base + i);
          }
          const cp = Number.parseInt(digits, hex ? 16 : 10);
          if (!isXmlCodePoint(cp)) this.fail('malformed', `character reference &${ref}; is not an XML character`, base + i);
          out += String.fromCodePoint(cp);
        } else if (Object.hasOwn(PREDEFINED, ref)) {
          out += PREDEFINED[ref];
        } else {
          this.fail('entity', `entity &${ref}; is refused: entities are never declared nor expanded`, base + i);
        }
        i = semi + 1;
      } else if (c === '\r') {
        out += ' ';
        i += raw[i + 1] === '\n' ? 2 : 1;
      } else if (c === '\t' || c === '\n') {
        out += ' ';
        i++;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  }

  /** `<?xml version='1.0' encoding='…' standalone='…'?>` at the very start. */
  declaration(): void {
    if (!/^<\?xml[ \t\r\n]/.test(this.text)) return;
    this.pos = 5;
    const seen = new Set<string>();
    for (;;) {
      const ws = this.skipWs();
      if (this.startsWith('?>')) {
        this.pos += 2;
        break;
      }
      if (!ws) this.fail('malformed', 'expected whitespace in the XML declaration');
      const at = this.pos;
      const n = this.name('an XML declaration setting');
      if (n !== 'version' && n !== 'encoding' && n !== 'standalone') this.fail('malformed', `unknown XML declaration setting ${n}`, at);
      if (seen.has(n)) this.fail('malformed', `XML declaration setting ${n} given twice`, at);
      if (n === 'version' && seen.size > 0) this.fail('malformed', 'version must come first in the XML declaration', at);
      seen.add(n);
      const v = this.attributeValue(n);
      if (n === 'version' && !/^1\.[0-9]+$/.test(v)) this.fail('malformed', `unsupported XML version '${v}'`, at);
    }
    if (!seen.has('version')) this.fail('malformed', 'the XML declaration has no version', 0);
  }

  /** Whitespace and comments; refuses declarations and processing instructions. */
  misc(): void {
    for (;;) {
      this.skipWs();
      if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<!')) this.declarationRefused();
      else if (this.startsWith('<?'))
        this.fail('malformed', 'processing instructions are not supported (only <?xml …?> at the very start)');
      else return;
    }
  }

  comment(): void {
    const start = this.pos;
    const end = this.text.indexOf('-->', start + 4);
    if (end < 0) this.fail('malformed', 'comment is not terminated', start);
    const dd = this.text.indexOf('--', start + 4);
    if (dd < end) this.fail('malformed', "'--' is not allowed inside a comment", dd);
    this.pos = end + 3;
  }

  declarationRefused(): never {
    if (this.startsWith('<![CDATA[')) this.fail('malformed', 'CDATA sections are not used by IVR messages and are refused');
    const m = /^<!([A-Za-z]*)/.exec(this.text.slice(this.pos, this.pos + 12));
    const kind = m?.[1] ? m[1] : '';
    this.fail('doctype', `<!${kind}…> is refused: DOCTYPE and entity/markup declarations are never processed`);
  }

  /** Reads the root element and everything in it, with an explicit stack. */
  element(): XmlElement {
    type Open = { name: string; attributes: Map<string, string>; children: XmlElement[]; offset: number };
    const stack: Open[] = [];
    for (;;) {
      if (stack.length > 0) {
        // Content: whitespace and markup only.
        const lt = this.text.indexOf('<', this.pos);
        const end = lt < 0 ? this.text.length : lt;
        const text = this.text.slice(this.pos, end);
        const nonWs = text.search(/[^ \t\r\n]/);
        if (nonWs >= 0) {
          this.fail('malformed', `text content is not allowed in <${stack[stack.length - 1].name}>`, this.pos + nonWs);
        }
        this.pos = end;
        if (lt < 0) this.fail('malformed', `unexpected end of input: <${stack[stack.length - 1].name}> is not closed`);
        if (this.startsWith('</')) {
          const at = this.pos;
          this.pos += 2;
          const n = this.name('an element name');
          this.skipWs();
          this.expect('>', `'>' to end </${n}`);
          const open = stack.pop()!;
          if (n !== open.name) this.fail('malformed', `</${n}> does not close <${open.name}>`, at);
          const done: XmlElement = { name: open.name, attributes: open.attributes, children: open.children, offset: open.offset };
          if (stack.length === 0) return done;
          stack[stack.length - 1].children.push(done);
          continue;
        }
        if (this.startsWith('<!--')) {
          this.comment();
          continue;
        }
        if (this.startsWith('<!')) this.declarationRefused();
        if (this.startsWith('<?')) this.fail('malformed', 'processing instructions are not supported');
      } else if (!this.startsWith('<')) {
        const c = this.text[this.pos];
        this.fail('malformed', c === undefined ? 'no root element' : `expected the root element, found ${JSON.stringify(c)}`);
      }
      // A start tag.
      const offset = this.pos;
      this.pos++;
      const name = this.name('an element name');
      const attributes = new Map<string, string>();
      let selfClosed = false;
      for (;;) {
        const ws = this.skipWs();
        if (this.startsWith('/>')) {
          this.pos += 2;
          selfClosed = true;
          break;
        }
        if (this.startsWith('>')) {
          this.pos++;
          break;
        }
        if (this.pos >= this.text.length) this.fail('malformed', `unexpected end of input in <${name}>`);
        if (!ws) this.fail('malformed', `expected whitespace, '>' or '/>' in <${name}>`);
        const at = this.pos;
        const attr = this.name('an attribute name');
        if (attributes.has(attr)) this.fail('malformed', `attribute ${attr} appears twice in <${name}>`, at);
        attributes.set(attr, this.attributeValue(attr));
      }
      if (selfClosed) {
        const done: XmlElement = { name, attributes, children: [], offset };
        if (stack.length === 0) return done;
        stack[stack.length - 1].children.push(done);
      } else {
        if (stack.length >= IVR_MAX_DEPTH) this.fail('malformed', `elements are nested deeper than ${IVR_MAX_DEPTH}`, offset);
        stack.push({ name, attributes, children: [], offset });
      }
    }
  }
}

/**
 * Reads one XML document of the supported subset into an element tree.
 * @throws IvrXmlError (too-large, doctype, entity, malformed)
 */
export function readXml(input: string | Uint8Array, options: XmlReadOptions = {}): XmlElement {
  const maxBytes = options.maxBytes ?? IVR_DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
  const text = decodeInput(input, maxBytes);
  const bad = findNonXmlChar(text);
  if (bad >= 0) {
    const cp = text.codePointAt(bad)!;
    throw new IvrXmlError('malformed', `U+${cp.toString(16).toUpperCase().padStart(4, '0')} is not an XML character`, bad);
  }
  const r = new Reader(text);
  r.declaration();
  r.misc();
  const root = r.element();
  r.misc();
  if (r.pos < text.length) r.fail('malformed', 'only whitespace and comments may follow the root element');
  return root;
}
