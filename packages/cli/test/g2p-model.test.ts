/**
 * The g2p inference recipe against the training graph: decoding with the inference encoder and
 * the one-step decoder (built from the same layers) must choose, at every step, the token the
 * teacher-forced training model ranks first when fed that same prefix, with the same
 * probabilities. Untrained weights: any weights must agree.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { beamSearch, greedyDecode, type HostStates, modelStep } from '@recurrent/models';
import { describe, expect, it } from 'vitest';
import { buildG2pModel, g2pInference, PHONEME_TOKENS, START } from '../src/examples/g2p-model.js';

describe('g2p inference encoder and step decoder', () => {
  for (const cell of ['lstm', 'gru'] as const)
    it(`${cell}: greedy decoding step by step matches the teacher-forced model on the decoded prefix`, async () => {
      const m = buildG2pModel({ backend: createCpuBackend(), seed: 3, cell, units: 8 }, 4);
      const letters = { data: Float32Array.from([3, 1, 20, 4, 15, 7]), shape: [2, 3] }; // cat, dog
      const inf = g2pInference(m);
      const enc = (await inf.encoder.predict(letters)) as { data: Float32Array; shape: number[] }[];
      expect(enc.map((t) => t.shape)).toEqual([[2, 3, 8], ...(cell === 'lstm' ? [[2, 8], [2, 8]] : [[2, 8]])]);
      const T = 6;
      const hyps = await greedyDecode(modelStep(inf.step, { constants: 1 }), { startToken: START, maxLength: T, batchSize: 2, initialStates: enc as HostStates });
      const prev = Float32Array.from(hyps.flatMap((h) => [START, ...h.tokens.slice(0, T - 1)]));
      const p = (await m.predict([letters, { data: prev, shape: [2, T] }])) as { data: Float32Array; shape: number[] };
      expect(p.shape).toEqual([2, T, PHONEME_TOKENS]);
      hyps.forEach((h, b) => {
        let logProb = 0;
        h.tokens.forEach((tok, t) => {
          const row = Array.from(p.data.subarray((b * T + t) * PHONEME_TOKENS, (b * T + t + 1) * PHONEME_TOKENS));
          expect(row.indexOf(Math.max(...row)), `sample ${b}, step ${t}`).toBe(tok);
          logProb += Math.log(row[tok]);
        });
        expect(h.logProb).toBeCloseTo(logProb, 4);
      });
      // Decoding again leaves no tensor or buffer behind.
      const mem = () => ({ tensors: m.engine.memory().tensors, buffers: m.engine.memory().buffers });
      const before = mem();
      for (let i = 0; i < 3; i++)
        await beamSearch(modelStep(inf.step, { constants: 1 }), { startToken: START, maxLength: 4, beamWidth: 3, batchSize: 2, initialStates: enc as HostStates });
      expect(mem()).toEqual(before);
      m.dispose();
    });
});
