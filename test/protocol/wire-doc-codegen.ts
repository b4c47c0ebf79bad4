/**
 * Generates the tables at the end of docs/wire-protocol.md from the catalogue: attribute ids,
 * requests, events, and the names known only. test/protocol/wire-doc.test.ts fails when the page
 * differs; `npx tsx test/protocol/wire-doc-codegen.ts --write` regenerates them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ATTRIBUTE_BY_ID, type AttributeDescriptor, type AttributeName } from '../../src/protocol/attributes.js';
import { MESSAGES, type MessageDescriptor } from '../../src/protocol/catalogue.js';
import { EVENT_SPECS, EVENT_USUAL_CONTENT, type EventSpecBase } from '../../src/protocol/messages.js';
import { endMarker, spliceSection, startMarker } from './doc-sections.js';

export const WIRE_DOC_FILE = fileURLToPath(new URL('../../docs/wire-protocol.md', import.meta.url));
export const WIRE_SECTIONS = ['attribute-ids', 'requests', 'events', 'known-by-name'] as const;
const GENERATOR = 'test/protocol/wire-doc-codegen.ts';

// What the docs say about an attribute's values (the named values users import, or the spec's words).
const VALUE_NOTES: Partial<Record<AttributeName, string>> = {
  CallState: '`CallState`',
  AgentWorkMode: '`AgentWorkMode`',
  ThisDNRole: '`DNRole`',
  OtherDNRole: '`DNRole`',
  ThirdPartyDNRole: '`DNRole`',
  Password: 'never logged, never quoted in an error',
  Timeout: 'ms',
  InputMask: '512 bits, bit n = message type n',
  AddressType: '`AddressType`: 3 ACD queue, 4 routing point',
  CallType: '`CallType`',
  AddressInfoType: '`AddressInfoType`',
  AddressInfoStatus: 'meaning set by AddressInfoType',
  RouteType: '`RouteType`',
  ServerRole: '0 primary, 1 backup',
  MergeType: '`MergeType`',
  ForwardMode: '`ForwardMode`',
  MakeCallType: '`MakeCallType`',
  TreatmentType: '`TreatmentType`',
  MediaType: '`MediaType`',
  MonitorNextCallType: '`MonitorNextCallType`',
  SubscriptionOperation: '1 start, 2 stop, 3 modify',
  AgentStatus: '0 unknown, 1 logged out, 2 logged in, 3 ready, 4 not ready',
  AddpTimeout: 'ms',
};

/** A table row; empty cells are written `| |`, as by hand. */
function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`.replaceAll('|  |', '| |').replaceAll('|  |', '| |');
}

function attributeCells(d: AttributeDescriptor | undefined): string[] {
  if (!d) return ['', '', ''];
  const note = VALUE_NOTES[d.name];
  return [String(d.id), d.name, note ? `${d.type} (${note})` : d.type];
}

function attributeIds(): string[] {
  const all = ATTRIBUTE_BY_ID.filter((d): d is AttributeDescriptor => d !== undefined);
  const half = Math.ceil(all.length / 2);
  const out = ['| id | name | type | | id | name | type |', '|---|---|---|---|---|---|---|'];
  for (let i = 0; i < half; i++) out.push(row([...attributeCells(all[i]), '', ...attributeCells(all[i + half])]));
  return out;
}

function version(d: MessageDescriptor): string {
  return d.v12 ? ' (1.2)' : d.v11 ? ' (1.1)' : '';
}

function attributeList(names: readonly AttributeName[], d: MessageDescriptor): string {
  return names.map((a) => (d.attributes.get(a) === 'M' ? `**${a}**` : a)).join(', ');
}

function requests(): string[] {
  const out = ['| type | request | attributes (**Mandatory**) | answered by | idempotent |', '|---|---|---|---|---|'];
  const rows = MESSAGES.filter((d) => d.kind === 'request' && !d.catalogueOnly).sort((a, b) => a.type - b.type);
  for (const d of rows) {
    const attrs = [...d.attributes.keys()].filter((a) => a !== 'Reasons' && a !== 'Extensions');
    const match = d.answerMatch.length > 0 ? ` (same ${d.answerMatch.join(', ')})` : '';
    const cells = [d.type, d.name + version(d), attributeList(attrs, d), d.answeredBy.join(', ') + match, d.idempotent ? 'yes' : 'no'];
    out.push(row(cells));
  }
  return out;
}

const WIRE_COMMON = new Set(['ReferenceID', 'EventSequenceNumber', 'ServerStartTime', 'Extensions']);

function eventNotes(d: MessageDescriptor): string {
  if (d.synthesized) return 'made by the client, never on the wire';
  if (d.obsolete) return 'obsolete: delivered with a warning, not acted upon';
  if (d.internal) return 'consumed by the SDK, never delivered';
  const notes = d.fromSeed ? [] : ['not in the reference: protocol list + usual content'];
  if (d.call) notes.push('call event');
  if (d.v11) notes.push('1.1');
  if (d.v12) notes.push('1.2');
  return notes.join('; ');
}

function events(): string[] {
  const out = ['| type | event | attributes (**Mandatory**) | notes |', '|---|---|---|---|'];
  const rows = MESSAGES.filter((d) => d.kind === 'event' && !d.catalogueOnly).sort((a, b) => a.type - b.type);
  for (const d of rows) {
    // The row's own attributes, then the usual content (call content and wire common are said once, above).
    const spec = (EVENT_SPECS as Record<string, EventSpecBase>)[d.name];
    const own = Object.keys(spec.attributes) as AttributeName[];
    const usual = spec.fromSeed ? [] : (Object.keys(EVENT_USUAL_CONTENT) as AttributeName[]);
    const names = [...new Set([...own, ...usual])].filter((a) => !WIRE_COMMON.has(a) || d.attributes.get(a) === 'M');
    out.push(row([d.type, d.name, attributeList(names, d), eventNotes(d)]));
  }
  return out;
}

function knownByName(): string[] {
  const names = MESSAGES.filter((d) => d.catalogueOnly).sort((a, b) => a.type - b.type);
  const rows = Math.ceil(names.length / 3);
  const out = ['| type | name | | type | name | | type | name |', '|---|---|---|---|---|---|---|---|'];
  const cell = (d: MessageDescriptor | undefined) => (d ? [String(d.type), d.name] : ['', '']);
  for (let i = 0; i < rows; i++) {
    out.push(row([...cell(names[i]), '', ...cell(names[i + rows]), '', ...cell(names[i + 2 * rows])]));
  }
  return out;
}

const GENERATORS: Record<(typeof WIRE_SECTIONS)[number], () => string[]> = {
  'attribute-ids': attributeIds,
  requests,
  events,
  'known-by-name': knownByName,
};

/** The generated section `name` of docs/wire-protocol.md, markers included. */
export function wireDocSection(name: (typeof WIRE_SECTIONS)[number]): string {
  return [startMarker(name, GENERATOR), ...GENERATORS[name](), endMarker(name)].join('\n');
}

if (process.argv.includes('--write') && process.argv[1] === fileURLToPath(import.meta.url)) {
  let page = readFileSync(WIRE_DOC_FILE, 'utf8');
  for (const name of WIRE_SECTIONS) page = spliceSection(page, name, wireDocSection(name));
  writeFileSync(WIRE_DOC_FILE, page);
  console.log(`wrote the catalogue tables of ${WIRE_DOC_FILE}`);
}
