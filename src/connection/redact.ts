/**
 * Debug output (`tlib:connection`, `tlib:data`) never prints a secret. A local stand-in until the
 * catalogue marks secret attributes itself: any attribute, or kvlist key, whose name contains
 * "password" (any case) is shown as '***'. Only called while a debug namespace is enabled.
 */
const SECRET = /password/i;

export function redactAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in attributes) {
    const value = attributes[key];
    const safe = SECRET.test(key) ? '***' : Array.isArray(value) ? redactKVList(value) : value;
    if (safe !== value) (out ??= { ...attributes })[key] = safe;
  }
  return out ?? attributes;
}

function redactKVList(list: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i];
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    const safe = SECRET.test(pair[0]) ? '***' : Array.isArray(pair[1]) ? redactKVList(pair[1] as unknown[]) : pair[1];
    if (safe !== pair[1]) (out ??= [...list])[i] = [pair[0], safe];
  }
  return out ?? list;
}
