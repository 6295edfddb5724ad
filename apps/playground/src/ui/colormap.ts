/** Colour scales for the heatmaps, as 256-entry RGB lookup tables. */

type Stop = [at: number, rgb: [number, number, number]];

function lut(stops: Stop[]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = i / 255;
    let k = 0;
    while (k < stops.length - 2 && v > stops[k + 1][0]) k++;
    const [a, ca] = stops[k];
    const [b, cb] = stops[k + 1];
    const f = Math.min(1, Math.max(0, (v - a) / (b - a)));
    for (let c = 0; c < 3; c++) out[i * 3 + c] = ca[c] + (cb[c] - ca[c]) * f;
  }
  return out;
}

/** Blue (-1) - white (0) - red (+1), like ColorBrewer RdBu reversed: for tanh ranges. */
export const DIVERGING = lut([
  [0, [33, 102, 172]],
  [0.25, [103, 169, 207]],
  [0.5, [247, 247, 247]],
  [0.75, [239, 138, 98]],
  [1, [178, 24, 43]],
]);

/** Dark (0) to bright (1), viridis-like: for sigmoid gates. */
export const SEQUENTIAL = lut([
  [0, [68, 1, 84]],
  [0.25, [59, 82, 139]],
  [0.5, [33, 145, 140]],
  [0.75, [94, 201, 98]],
  [1, [253, 231, 37]],
]);

export interface Scale {
  lut: Uint8ClampedArray;
  min: number;
  max: number;
}

export const TANH_SCALE: Scale = { lut: DIVERGING, min: -1, max: 1 };
export const SIGMOID_SCALE: Scale = { lut: SEQUENTIAL, min: 0, max: 1 };

/** CSS gradient of a scale, for legends. */
export function cssGradient(s: Scale): string {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const i = Math.round(f * 255) * 3;
    return `rgb(${s.lut[i]},${s.lut[i + 1]},${s.lut[i + 2]}) ${f * 100}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
