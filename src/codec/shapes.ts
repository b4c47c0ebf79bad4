/**
 * Object shapes for decoded frames. Events of one type nearly always carry the same attributes in
 * the same order (a "layout"); for each layout seen, two small builders are compiled, once:
 *  - `attributes(v)` returns `{ ThisDN: v[0], ConnID: v[1], ... }`, an object literal, so V8
 *    allocates it with its final hidden class at once (setting the properties one by one through
 *    a computed name costs several times more: a transition per property, through a generic store);
 *  - `event(a, name, server)` returns `{ Event: name, Server: server, ThisDN: a.ThisDN, ... }`, the
 *    object users get, read from the attributes with loads that see one shape only (a spread
 *    `{ Event, Server, ...a }` costs several times more).
 * The property names in the generated code come from the catalogue (ATTRIBUTE_BY_ID), never from
 * the wire, and are written as JSON string literals. Layouts are bounded (LAYOUTS_PER_TYPE per
 * message type, MAX_LAYOUTS in all); past the bound, or where code generation is disallowed
 * (`--disallow-code-generation-from-strings`), objects are built property by property, with the
 * same result.
 */
import { ATTRIBUTE_BY_ID } from '../protocol/attributes.js';

export interface Layout {
  /** Attribute ids in wire order. */
  readonly ids: Uint16Array;
  attributes(values: readonly unknown[]): Record<string, unknown>;
  event(attributes: Record<string, unknown>, name: string, server: string): Record<string, unknown>;
}

const LAYOUTS_PER_TYPE = 8;
const MAX_LAYOUTS = 512;
let layoutCount = 0;
let codegen = true;

/** Layouts by message type: an array for the catalogue's types (all below 512), a Map above. */
const LOW_TYPES = 512;
const lowLayouts: (Layout[] | undefined)[] = new Array<Layout[] | undefined>(LOW_TYPES).fill(undefined);
const highLayouts = new Map<number, Layout[]>();

/**
 * The layout of `type` whose ids are ids[0, n), made on first sight (within the bounds), or
 * undefined: then the caller builds the object itself (buildGeneric).
 */
export function layoutFor(type: number, ids: Uint16Array, n: number): Layout | undefined {
  let list = type < LOW_TYPES ? lowLayouts[type] : highLayouts.get(type);
  if (list !== undefined) {
    for (let k = 0; k < list.length; k++) {
      const l = list[k];
      const lids = l.ids;
      if (lids.length !== n) continue;
      let i = 0;
      while (i < n && lids[i] === ids[i]) i++;
      if (i === n) return l;
    }
    if (list.length >= LAYOUTS_PER_TYPE) return undefined;
  }
  if (!codegen || layoutCount >= MAX_LAYOUTS) return undefined;
  const layout = compile(ids.slice(0, n));
  if (layout === undefined) return undefined;
  layoutCount++;
  if (list === undefined) {
    list = [];
    if (type < LOW_TYPES) lowLayouts[type] = list;
    else highLayouts.set(type, list);
  }
  list.push(layout);
  return layout;
}

function compile(ids: Uint16Array): Layout | undefined {
  const names = Array.from(ids, (id) => JSON.stringify(ATTRIBUTE_BY_ID[id]!.name));
  try {
    const attributes = new Function('v', `return {${names.map((k, i) => `${k}: v[${i}]`).join(', ')}};`) as Layout['attributes'];
    const event = new Function(
      'a',
      'e',
      's',
      `return {"Event": e, "Server": s${names.map((k) => `, ${k}: a[${k}]`).join('')}};`,
    ) as Layout['event'];
    return { ids, attributes, event };
  } catch {
    // Code generation from strings is disallowed in this process: build property by property.
    codegen = false;
    return undefined;
  }
}

/** The attributes object built property by property (a layout past the bounds). */
export function buildGeneric(ids: Uint16Array, values: readonly unknown[], n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) out[ATTRIBUTE_BY_ID[ids[i]]!.name] = values[i];
  return out;
}

/** For tests: how many layouts are compiled (bounded by MAX_LAYOUTS). */
export function layoutStats(): { layouts: number; max: number; perType: number; codegen: boolean } {
  return { layouts: layoutCount, max: MAX_LAYOUTS, perType: LAYOUTS_PER_TYPE, codegen };
}
