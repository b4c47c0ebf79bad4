/** How an error message quotes a value it refuses: strings quoted (`got "5000"`, not `got 5000`). */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
