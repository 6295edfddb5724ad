/**
 * Axis ranges that stay readable at the edges: a metric stuck at one value, a loss that became
 * Infinity, a chart with no data yet. Pure functions (the Node tests check them).
 */

/** A log-scale range: whole decades around the positive finite data; [0.01, 10] when there is none (so the axis keeps its labels). */
export function logRange(min: number | null, max: number | null): [number, number] {
  if (min == null || max == null || !(min > 0) || !Number.isFinite(min) || !Number.isFinite(max) || max < min) return [0.01, 10];
  const lo = 10 ** Math.floor(Math.log10(min));
  let hi = 10 ** Math.ceil(Math.log10(max));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

/**
 * A linear range: `fixed`'s when given (a percentage spans 0 to 1 whatever the data, so a
 * metric stuck at 0 does not stretch the axis to ±10000%), else the data's, padded by a tenth,
 * and by 1 around a single value; [0, 1] without finite data.
 */
export function linearRange(min: number | null, max: number | null, fixed?: [number, number]): [number, number] {
  if (fixed) return fixed;
  if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max) || max < min) return [0, 1];
  if (min === max) return [min - Math.max(1, Math.abs(min) * 0.1), max + Math.max(1, Math.abs(max) * 0.1)];
  const pad = (max - min) * 0.1;
  return [min - pad, max + pad];
}
