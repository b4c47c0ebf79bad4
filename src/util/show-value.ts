/**
 * How an error message quotes a value it refuses: strings quoted (`got "5000"`, not `got 5000`),
 * and bounded whatever the value — a long string is cut (its length said), an array or object
 * shows its first few members one level deep — so a hostile or mistaken megabyte never becomes a
 * megabyte of message, and a huge object is never walked whole.
 */
const MAX_CHARS = 64;
const MAX_MEMBERS = 4;

export function showValue(value: unknown, depth = 0): string {
  if (typeof value === 'string') {
    return value.length > MAX_CHARS
      ? `${JSON.stringify(`${value.slice(0, MAX_CHARS)}…`)} (${value.length} characters)`
      : JSON.stringify(value);
  }
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.byteLength} bytes`;
  if (Array.isArray(value)) {
    if (depth > 0) return `an array of ${value.length}`;
    const shown = value.slice(0, MAX_MEMBERS).map((v) => showValue(v, 1));
    return `[${shown.join(', ')}${value.length > MAX_MEMBERS ? `, … ${value.length} items` : ''}]`;
  }
  if (depth > 0) return 'an object';
  const shown: string[] = [];
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (shown.length === MAX_MEMBERS) {
      shown.push('…');
      break;
    }
    let member: unknown;
    try {
      member = (value as Record<string, unknown>)[key];
    } catch {
      member = 'a getter that threw';
    }
    shown.push(`${key.length > MAX_CHARS ? `${key.slice(0, MAX_CHARS)}…` : key}: ${showValue(member, 1)}`);
  }
  return `{ ${shown.join(', ')} }`;
}
