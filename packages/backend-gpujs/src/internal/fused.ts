/**
 * The fused kernel table: SimpleRNN, LSTM and GRU (reset-after and reset-before) steps with
 * their backwards, and Adam.
 * Where gpu.js runs kernel maps in this mode (cpu, WebGL), outputs of the same size come out
 * of one pass; in webasm, which would run a kernel map on gpu.js's cpu backend, they are
 * separate passes.
 * The gates' recurrent activation reaches the kernels as the argument `slope` (0: the logistic
 * sigmoid; sources/helpers.ts); a kernel declines (null) a value it does not know.
 */
import type { DataId, FusedKernels, Shape } from '@recurrent/core';
import { hardSigmoidSlope, sizeOf } from '@recurrent/core';
import { scalar, type Arg, type Device, type KernelSpec } from './device.js';
import * as adam from './sources/adam.js';
import * as gru from './sources/gru.js';
import * as gb from './sources/gru-before.js';
import * as lstm from './sources/lstm.js';
import { simpleRnnSource } from './sources/simple-rnn.js';

export function createFusedKernels(device: Device): FusedKernels {
  const run = (where: string, shape: Shape, spec: Omit<KernelSpec, 'output'>, args: Arg[]): DataId => {
    device.check(where, shape);
    return device.run({ ...spec, output: sizeOf(shape) }, args);
  };
  const runMap = <K extends string>(where: string, shape: Shape, spec: Omit<KernelSpec, 'output'>, map: Record<K, string>, args: Arg[]) => {
    device.check(where, shape);
    return device.runMap({ ...spec, output: sizeOf(shape) }, map, args);
  };
  const simpleRnn = { tanh: simpleRnnSource('tanh'), relu: simpleRnnSource('relu') };

  const kernels: FusedKernels = {
    simpleRnnCell: ([xp, hp], { activation }, out) => ({
      h: run('simpleRnnCell', out.h, { name: `simpleRnn-${activation}`, source: simpleRnn[activation] }, [xp.dataId, hp.dataId]),
    }),
    lstmCell: ([xp, hp, c], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const h = out.h[1];
      const constants = { H: h, G: 4 * h };
      const gates = run('lstmCell', out.gates, { name: 'lstmGates', source: lstm.LSTM_GATES, constants }, [xp.dataId, hp.dataId, scalar(slope)]);
      if (device.kernelMaps) {
        const r = runMap('lstmCell', out.h, { name: 'lstmStateMap', source: lstm.LSTM_STATE_MAP, constants }, { c: lstm.SAVE_C }, [gates, c.dataId]);
        return { h: r.result, c: r.c, gates };
      }
      const cNew = run('lstmCell', out.c, { name: 'lstmC', source: lstm.LSTM_C, constants }, [gates, c.dataId]);
      const hNew = run('lstmCell', out.h, { name: 'lstmH', source: lstm.LSTM_H, constants }, [gates, cNew]);
      return { h: hNew, c: cNew, gates };
    },
    lstmCellGrad: ([gates, cPrev, c, dh, dc], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const h = out.dcPrev[1];
      const constants = { H: h, G: 4 * h };
      return {
        dPre: run('lstmCellGrad', out.dPre, { name: 'lstmDPre', source: lstm.LSTM_D_PRE, constants }, [
          gates.dataId,
          cPrev.dataId,
          c.dataId,
          dh.dataId,
          dc.dataId,
          scalar(slope),
        ]),
        dcPrev: run('lstmCellGrad', out.dcPrev, { name: 'lstmDcPrev', source: lstm.LSTM_DC_PREV, constants }, [
          gates.dataId,
          c.dataId,
          dh.dataId,
          dc.dataId,
        ]),
      };
    },
    gruCell: ([xp, hp, h], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const u = out.h[1];
      const constants = { H: u, G3: 3 * u, G4: 4 * u };
      const cache = run('gruCell', out.cache, { name: 'gruCache', source: gru.GRU_CACHE, constants }, [xp.dataId, hp.dataId, scalar(slope)]);
      return { h: run('gruCell', out.h, { name: 'gruH', source: gru.GRU_H, constants }, [cache, h.dataId]), cache };
    },
    gruCellGrad: ([cache, h, dh], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const u = out.dhDirect[1];
      const constants = { H: u, G3: 3 * u, G4: 4 * u };
      const args = [cache.dataId, h.dataId, dh.dataId, scalar(slope)];
      const dhDirect = run('gruCellGrad', out.dhDirect, { name: 'gruDhDirect', source: gru.GRU_DH_DIRECT, constants }, [cache.dataId, dh.dataId]);
      if (device.kernelMaps) {
        const r = runMap('gruCellGrad', out.dXp, { name: 'gruDMap', source: gru.GRU_D_MAP, constants }, { dHp: gru.SAVE_DHP }, args);
        return { dXp: r.result, dHp: r.dHp, dhDirect };
      }
      return {
        dXp: run('gruCellGrad', out.dXp, { name: 'gruDXp', source: gru.GRU_D_XP, constants }, args),
        dHp: run('gruCellGrad', out.dHp, { name: 'gruDHp', source: gru.GRU_D_HP, constants }, args),
        dhDirect,
      };
    },
    gruBeforeGates: ([xp, hpRz, h], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const u = out.rh[1];
      const constants = { H: u, G2: 2 * u, G3: 3 * u };
      const rz = run('gruBeforeGates', out.rz, { name: 'gbRz', source: gb.GB_RZ, constants }, [xp.dataId, hpRz.dataId, scalar(slope)]);
      return { rz, rh: run('gruBeforeGates', out.rh, { name: 'gbRh', source: gb.GB_RH, constants }, [rz, h.dataId]) };
    },
    gruBeforeState: ([xp, hpN, rz, h], _attrs, out) => {
      const u = out.h[1];
      const constants = { H: u, G2: 2 * u, G3: 3 * u };
      if (device.kernelMaps) {
        const args = [xp.dataId, hpN.dataId, rz.dataId, h.dataId];
        const r = runMap('gruBeforeState', out.h, { name: 'gbStateMap', source: gb.GB_STATE_MAP, constants }, { n: gb.SAVE_N }, args);
        return { h: r.result, n: r.n };
      }
      const n = run('gruBeforeState', out.n, { name: 'gbN', source: gb.GB_N, constants }, [xp.dataId, hpN.dataId]);
      return { h: run('gruBeforeState', out.h, { name: 'gbH', source: gb.GB_H, constants }, [n, rz.dataId, h.dataId]), n };
    },
    gruBeforeGradN: ([rz, n, dh], _attrs, out) => {
      const u = out.dPreN[1];
      const constants = { H: u, G2: 2 * u, G3: 3 * u };
      return { dPreN: run('gruBeforeGradN', out.dPreN, { name: 'gbDPreN', source: gb.GB_D_PRE_N, constants }, [rz.dataId, n.dataId, dh.dataId]) };
    },
    gruBeforeGrad: ([rz, n, h, dh, dRh], { recurrentActivation }, out) => {
      const slope = hardSigmoidSlope(recurrentActivation);
      if (slope === undefined) return null;
      const u = out.dhDirect[1];
      const constants = { H: u, G2: 2 * u, G3: 3 * u };
      return {
        dXp: run('gruBeforeGrad', out.dXp, { name: 'gbDXp', source: gb.GB_D_XP, constants }, [rz.dataId, n.dataId, h.dataId, dh.dataId, dRh.dataId, scalar(slope)]),
        dhDirect: run('gruBeforeGrad', out.dhDirect, { name: 'gbDhDirect', source: gb.GB_DH_DIRECT, constants }, [rz.dataId, dh.dataId, dRh.dataId]),
      };
    },
    adamUpdate: ([p, g, m, v], { lr, beta1, beta2, eps, step, decoupledDecay }, out) => {
      const c1 = scalar(1 - beta1);
      const c2 = scalar(1 - beta2);
      const stepSize = scalar(lr / (1 - beta1 ** step));
      const invBc2 = scalar(1 / (1 - beta2 ** step));
      const keep = scalar(1 - lr * decoupledDecay);
      if (sizeOf(out.p) === 0) {
        const e = () => device.store.put(new Float32Array(0), 0, null);
        return { p: e(), m: e(), v: e() };
      }
      if (device.kernelMaps) {
        const r = runMap('adamUpdate', out.p, { name: 'adamMap', source: adam.ADAM_MAP }, { m: adam.SAVE_M, v: adam.SAVE_V }, [
          p.dataId,
          g.dataId,
          m.dataId,
          v.dataId,
          scalar(beta1),
          c1,
          scalar(beta2),
          c2,
          stepSize,
          invBc2,
          scalar(eps),
          keep,
        ]);
        return { p: r.result, m: r.m, v: r.v };
      }
      const mNew = run('adamUpdate', out.m, { name: 'adamM', source: adam.ADAM_M }, [g.dataId, m.dataId, scalar(beta1), c1]);
      const vNew = run('adamUpdate', out.v, { name: 'adamV', source: adam.ADAM_V }, [g.dataId, v.dataId, scalar(beta2), c2]);
      const pNew = run('adamUpdate', out.p, { name: 'adamP', source: adam.ADAM_P }, [p.dataId, mNew, vNew, stepSize, invBc2, scalar(eps), keep]);
      return { p: pNew, m: mNew, v: vNew };
    },
  };
  return kernels;
}
