/**
 * Helpers for values parsed from files (model.json, a CLI's example.json): they may be hostile,
 * so nesting is bounded without recursion and keys are copied without reaching prototypes.
 * (Error messages cut such values with core's `quote`.)
 */

/** True when `value` nests arrays or objects more than `limit` levels deep (iterative, no recursion). */
export function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return true;
    for (const k in v) if (Object.hasOwn(v, k)) stack.push([(v as Record<string, unknown>)[k], depth + 1]);
  }
  return false;
}

/**
 * The own enumerable properties of `obj` in a new object without a prototype, so a key named
 * `__proto__` (which JSON.parse makes an ordinary own property) stays an ordinary property and
 * cannot change what other keys read through the prototype chain.
 */
export function ownCopy(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(obj)) Object.defineProperty(out, k, { value: (obj as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
  return out;
}
