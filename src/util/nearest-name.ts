/**
 * "Did you mean": the valid name nearest to a mistyped one (an option key, a command), by edit
 * distance with transpositions, or a shared stem of four letters or more.
 */

/** Edit distance (insert, delete, substitute, swap two neighbours), for "did you mean". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The valid name closest to `key`, if it is close enough to be a typo. */
export function nearestName(key: string, valid: readonly string[]): string | undefined {
  // A key far longer than every name is no typo of one (and an edit distance over it would cost
  // its length times theirs).
  const longest = valid.reduce((max, name) => Math.max(max, name.length), 0);
  if (key.length > 2 * longest + 2) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  const k = key.toLowerCase();
  for (const name of valid) {
    const n = name.toLowerCase();
    // A shared stem of 4+ letters (`retry` → `retries`) counts as close.
    const distance = k === n ? 0 : k.slice(0, 4) === n.slice(0, 4) && k.length >= 4 ? 1 : editDistance(k, n);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
