/**
 * The fused kernels: each recurrent step (and its backward) and the Adam update is ONE dispatch
 * that writes all of its outputs (a compute shader may write several storage buffers, where a
 * WebGL fragment shader writes one texture). An invocation per (sample, unit) reads its gate
 * pre-activations once and computes exactly core's definition (core/src/internal/fallbacks.ts),
 * in the same order of operations. The gates' function (attribute `recurrentActivation`: the
 * sigmoid or a hard sigmoid) is its slope in p.f0; a value core does not define is declined
 * (the kernel returns null and core runs its fallback, which reports it).
 */
import { hardSigmoidSlope, sizeOf, type FusedKernel, type FusedKernels, type Shape, type StepFusedName, type TensorInfo } from '@recurrent/core';
import type { Runtime } from './runtime.js';
import { perElement } from './wgsl.js';

/** Index names every cell shader has: H units, sample b, unit j, and row starts of 2H/3H/4H-wide rows. */
const UNIT = 'let H = p.u1; let b = i / H; let j = i % H; let r2 = b * 2u * H; let r3 = b * 3u * H; let r4 = b * 4u * H;';

interface Spec {
  inputs: string[];
  /** WGSL names of the outputs, in the order of `keys` (core's output names). */
  outputs: string[];
  keys: string[];
  body: string;
}

const SPECS: { [K in StepFusedName]: Spec } = {
  simpleRnnCell: {
    inputs: ['xp', 'hp'],
    outputs: ['hs'],
    keys: ['h'],
    body: 'let pre = xp[i] + hp[i];\n  hs[i] = select(tanh_(pre), max(pre, 0.0), p.u2 == 1u);',
  },
  lstmCell: {
    inputs: ['xp', 'hp', 'cs'],
    outputs: ['hs', 'cn', 'gates'],
    keys: ['h', 'c', 'gates'],
    body: `${UNIT}
  let ig = gate(xp[r4 + j] + hp[r4 + j], p.f0);
  let fg = gate(xp[r4 + H + j] + hp[r4 + H + j], p.f0);
  let gg = tanh_(xp[r4 + 2u * H + j] + hp[r4 + 2u * H + j]);
  let og = gate(xp[r4 + 3u * H + j] + hp[r4 + 3u * H + j], p.f0);
  let c2 = fg * cs[i] + ig * gg;
  cn[i] = c2;
  hs[i] = og * tanh_(c2);
  gates[r4 + j] = ig;
  gates[r4 + H + j] = fg;
  gates[r4 + 2u * H + j] = gg;
  gates[r4 + 3u * H + j] = og;`,
  },
  lstmCellGrad: {
    inputs: ['gates', 'cPrev', 'cs', 'dh', 'dc'],
    outputs: ['dPre', 'dcPrev'],
    keys: ['dPre', 'dcPrev'],
    body: `${UNIT}
  let ig = gates[r4 + j];
  let fg = gates[r4 + H + j];
  let gg = gates[r4 + 2u * H + j];
  let og = gates[r4 + 3u * H + j];
  let tc = tanh_(cs[i]);
  let dcTot = dc[i] + (dh[i] * og) * (1.0 - tc * tc);
  let di = dcTot * gg;
  let df = dcTot * cPrev[i];
  let dg = dcTot * ig;
  let dO = dh[i] * tc;
  dPre[r4 + j] = gateGrad(ig, di, p.f0);
  dPre[r4 + H + j] = gateGrad(fg, df, p.f0);
  dPre[r4 + 2u * H + j] = dg * (1.0 - gg * gg);
  dPre[r4 + 3u * H + j] = gateGrad(og, dO, p.f0);
  dcPrev[i] = dcTot * fg;`,
  },
  gruCell: {
    inputs: ['xp', 'hp', 'hPrev'],
    outputs: ['hs', 'cache'],
    keys: ['h', 'cache'],
    body: `${UNIT}
  let r = gate(xp[r3 + j] + hp[r3 + j], p.f0);
  let z = gate(xp[r3 + H + j] + hp[r3 + H + j], p.f0);
  let hpn = hp[r3 + 2u * H + j];
  let n = tanh_(xp[r3 + 2u * H + j] + r * hpn);
  hs[i] = n + z * (hPrev[i] - n);
  cache[r4 + j] = r;
  cache[r4 + H + j] = z;
  cache[r4 + 2u * H + j] = n;
  cache[r4 + 3u * H + j] = hpn;`,
  },
  gruCellGrad: {
    inputs: ['cache', 'hPrev', 'dh'],
    outputs: ['dXp', 'dHp', 'dhDirect'],
    keys: ['dXp', 'dHp', 'dhDirect'],
    body: `${UNIT}
  let r = cache[r4 + j];
  let z = cache[r4 + H + j];
  let n = cache[r4 + 2u * H + j];
  let hpn = cache[r4 + 3u * H + j];
  let dn = (dh[i] * (1.0 - z)) * (1.0 - n * n);
  let dz = gateGrad(z, dh[i] * (hPrev[i] - n), p.f0);
  let dr = gateGrad(r, dn * hpn, p.f0);
  dXp[r3 + j] = dr;
  dXp[r3 + H + j] = dz;
  dXp[r3 + 2u * H + j] = dn;
  dHp[r3 + j] = dr;
  dHp[r3 + H + j] = dz;
  dHp[r3 + 2u * H + j] = dn * r;
  dhDirect[i] = dh[i] * z;`,
  },
  gruBeforeGates: {
    inputs: ['xp', 'hpRz', 'hPrev'],
    outputs: ['rz', 'rh'],
    keys: ['rz', 'rh'],
    body: `${UNIT}
  let r = gate(xp[r3 + j] + hpRz[r2 + j], p.f0);
  let z = gate(xp[r3 + H + j] + hpRz[r2 + H + j], p.f0);
  rz[r2 + j] = r;
  rz[r2 + H + j] = z;
  rh[i] = r * hPrev[i];`,
  },
  gruBeforeState: {
    inputs: ['xp', 'hpN', 'rz', 'hPrev'],
    outputs: ['hs', 'ns'],
    keys: ['h', 'n'],
    body: `${UNIT}
  let n = tanh_(xp[r3 + 2u * H + j] + hpN[i]);
  let z = rz[r2 + H + j];
  hs[i] = n + z * (hPrev[i] - n);
  ns[i] = n;`,
  },
  gruBeforeGradN: {
    inputs: ['rz', 'ns', 'dh'],
    outputs: ['dPreN'],
    keys: ['dPreN'],
    body: `${UNIT}
  let z = rz[r2 + H + j];
  let n = ns[i];
  dPreN[i] = (dh[i] * (1.0 - z)) * (1.0 - n * n);`,
  },
  gruBeforeGrad: {
    inputs: ['rz', 'ns', 'hPrev', 'dh', 'dRh'],
    outputs: ['dXp', 'dhDirect'],
    keys: ['dXp', 'dhDirect'],
    body: `${UNIT}
  let r = rz[r2 + j];
  let z = rz[r2 + H + j];
  let n = ns[i];
  let h = hPrev[i];
  dXp[r3 + j] = gateGrad(r, dRh[i] * h, p.f0);
  dXp[r3 + H + j] = gateGrad(z, dh[i] * (h - n), p.f0);
  dXp[r3 + 2u * H + j] = (dh[i] * (1.0 - z)) * (1.0 - n * n);
  dhDirect[i] = dh[i] * z + dRh[i] * r;`,
  },
  // p.f: beta1, 1-beta1, beta2, 1-beta2, 1/(1-beta2^t), eps, lr/(1-beta1^t), 1-lr*decay; p.u2: decay on.
  adamUpdate: {
    inputs: ['ps', 'gs', 'ms', 'vs'],
    outputs: ['pOut', 'mOut', 'vOut'],
    keys: ['p', 'm', 'v'],
    body: `let g = gs[i];
  let m2 = ms[i] * p.f0 + g * p.f1;
  let v2 = vs[i] * p.f2 + (g * g) * p.f3;
  let upd = (m2 * p.f6) / (sqrt(v2 * p.f4) + p.f5);
  let decayed = select(ps[i], ps[i] * p.f7, p.u2 == 1u);
  pOut[i] = decayed - upd;
  mOut[i] = m2;
  vOut[i] = v2;`,
  },
};

/** Units of a cell op: the width of its [B, H] state input or output. */
const UNITS: { [K in StepFusedName]: (inputs: readonly TensorInfo[]) => number } = {
  simpleRnnCell: (x) => x[0].shape[1],
  lstmCell: (x) => x[2].shape[1],
  lstmCellGrad: (x) => x[1].shape[1],
  gruCell: (x) => x[2].shape[1],
  gruCellGrad: (x) => x[1].shape[1],
  gruBeforeGates: (x) => x[2].shape[1],
  gruBeforeState: (x) => x[3].shape[1],
  gruBeforeGradN: (x) => x[1].shape[1],
  gruBeforeGrad: (x) => x[1].shape[1],
  adamUpdate: () => 1,
};

/**
 * The gates' function and its derivative from the output y (core's recurrent-activation.ts), one
 * shader per family so no shader branches on it: the logistic sigmoid, or the hard sigmoid
 * clip(s * v + 0.5, 0, 1) of slope s = p.f0 (Keras 2's or Keras 3's).
 */
const GATE_FNS = {
  sigmoid: /* wgsl */ `
fn gate(v: f32, s: f32) -> f32 { return sigm(v); }
fn gateGrad(y: f32, dy: f32, s: f32) -> f32 { return dy * y * (1.0 - y); }`,
  hard: /* wgsl */ `
fn gate(v: f32, s: f32) -> f32 { return clamp(v * s + 0.5, 0.0, 1.0); }
fn gateGrad(y: f32, dy: f32, s: f32) -> f32 { return dy * (sign(y * (1.0 - y)) * s); }`,
};

/** The parameter block beyond [n, H]: the attributes that shape the math; null to decline them. */
function extra<K extends StepFusedName>(name: K, attrs: unknown): { u: number[]; f: number[]; gates?: keyof typeof GATE_FNS } | null {
  if (attrs !== null && typeof attrs === 'object' && 'recurrentActivation' in attrs) {
    const slope = hardSigmoidSlope(attrs.recurrentActivation);
    return slope === undefined ? null : { u: [], f: [slope], gates: slope === 0 ? 'sigmoid' : 'hard' };
  }
  if (name === 'simpleRnnCell') return { u: [(attrs as { activation: string }).activation === 'relu' ? 1 : 0], f: [] };
  if (name === 'adamUpdate') {
    const { lr, beta1, beta2, eps, step, decoupledDecay } = attrs as { lr: number; beta1: number; beta2: number; eps: number; step: number; decoupledDecay: number };
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    return { u: [decoupledDecay ? 1 : 0], f: [beta1, 1 - beta1, beta2, 1 - beta2, 1 / bc2, eps, lr / bc1, 1 - lr * decoupledDecay] };
  }
  return { u: [], f: [] };
}

export function fusedKernels(rt: Runtime): FusedKernels {
  const table: FusedKernels = {};
  for (const name of Object.keys(SPECS) as StepFusedName[]) {
    const spec = SPECS[name];
    const shaders = {
      sigmoid: perElement(spec.inputs, spec.outputs, spec.body, GATE_FNS.sigmoid),
      hard: perElement(spec.inputs, spec.outputs, spec.body, GATE_FNS.hard),
    };
    const kernel = (inputs: readonly TensorInfo[], attrs: unknown, outShapes: Record<string, Shape>) => {
      const params = extra(name, attrs);
      if (!params) return null;
      const { u, f, gates = 'sigmoid' } = params;
      const shader = shaders[gates];
      const outs = spec.keys.map((k) => rt.alloc(sizeOf(outShapes[k]), name));
      // One invocation per (sample, unit) of the [B, H] state (Adam: per element of p).
      const h = UNITS[name](inputs);
      const n = name === 'adamUpdate' ? sizeOf(inputs[0].shape) : inputs[0].shape[0] * h;
      if (n > 0) rt.run({ shader, inputs: inputs.map((t) => t.dataId), outputs: outs, params: { u: [n, h, ...u], f }, groups: rt.groupsFor(n) });
      return Object.fromEntries(spec.keys.map((k, i) => [k, outs[i]]));
    };
    (table as Record<string, unknown>)[name] = kernel as unknown as FusedKernel<typeof name>;
  }
  return table;
}
