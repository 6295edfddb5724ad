/**
 * Row copies, batch sums and the Adam update in WebAssembly: small loops, but each was a few
 * percent of a training step as TypeScript (profile in docs/benchmarks.md).
 *
 *  - copyRows(src, srcStride, dst, dstStride, rows, bytes): one memory.copy per row
 *    (stackTime, sliceTime, sliceCols, concatCols), no view object per row.
 *  - gatherRows(table, rows, rowBytes, indices, count, out): out row n = table row
 *    Math.round(indices[n]) (floor(index + 0.5) in float64, exact for every float32), one
 *    memory.copy each; an index outside [0, rows) leaves its row as it is (zeroed by the caller).
 *  - sumBatch(x, acc, rows, n4, n): acc[j] (float64, zeroed by the caller) += x[r, j] over
 *    the rows, for the first n4 (a multiple of 4) of the n columns, four per vector; each
 *    float is widened to float64 before it is added, as in the TypeScript loop.
 *  - sumAll(x, n4, out): out (float64) = the sum of x's first n4 floats (a multiple of 4), each
 *    widened to float64, in two float64x2 accumulators (the caller adds the chunks and the tail).
 *  - adam(p, g, m, v, pOut, mOut, vOut, n, lrStep, invBc2, keep, beta1, c1, beta2, c2, eps):
 *    ../adam.ts in float32, n >= 4 (the last vector may overlap the one before).
 */
import { F32, Fn, I32, V128 } from './fn.js';

export function copyRowsFunction(): Fn {
  const f = new Fn('copyRows', ['src', 'srcStride', 'dst', 'dstStride', 'rows', 'bytes'].map((n) => [n, I32] as [string, typeof I32]));
  f.block().loop();
  f.get('rows').eqz().brIf(1);
  f.get('dst').get('src').get('bytes').memoryCopy();
  f.inc('src', 'srcStride').inc('dst', 'dstStride');
  f.get('rows').i32(1).sub().set('rows');
  f.br(0);
  f.end().end();
  return f;
}

export function gatherRowsFunction(): Fn {
  const f = new Fn('gatherRows', ['table', 'rows', 'rowBytes', 'indices', 'count', 'out'].map((n) => [n, I32] as [string, typeof I32]));
  f.local(I32, 'r');
  f.block().loop();
  f.get('count').eqz().brIf(1);
  f.get('indices').f32Load().f64FromF32().f64(0.5).f64Add().f64Floor().i32FromF64().set('r');
  f.get('r').get('rows').ltU().if();
  f.get('out').get('table').get('r').get('rowBytes').mul().add().get('rowBytes').memoryCopy();
  f.end();
  f.inc('indices', 4).inc('out', 'rowBytes');
  f.get('count').i32(1).sub().set('count');
  f.br(0);
  f.end().end();
  return f;
}

export function sumBatchFunction(): Fn {
  const f = new Fn('sumBatch', ['x', 'acc', 'rows', 'n4', 'n'].map((n) => [n, I32] as [string, typeof I32]));
  f.local(I32, 'r', 'j', 'row', 'a');
  f.local(V128, 'v', 'lo', 'hi');
  f.get('n').i32(2).shl().set('n'); // row stride in bytes
  f.i32(0).set('r').get('x').set('row');
  f.block().loop();
  f.get('r').get('rows').geS().brIf(1);
  f.i32(0).set('j').get('acc').set('a');
  f.block().loop();
  f.get('j').get('n4').geS().brIf(1);
  f.get('row').get('j').i32(2).shl().add().load().set('v');
  // acc[j, j+1] += f64(v[0, 1]); acc[j+2, j+3] += f64(v[2, 3])
  f.get('a').get('a').load().get('v').promoteLow().dadd().store();
  f.get('a').get('a').load(16).highHalf('v').promoteLow().dadd().store(16);
  f.inc('j', 4).inc('a', 32).br(0);
  f.end().end();
  f.inc('r', 1).inc('row', 'n').br(0);
  f.end().end();
  return f;
}

export function sumAllFunction(): Fn {
  const f = new Fn('sumAll', ['x', 'n4', 'out'].map((n) => [n, I32] as [string, typeof I32]));
  f.local(I32, 'i');
  f.local(V128, 'v', 'lo', 'hi');
  f.get('n4').i32(2).shl().set('n4');
  f.f32x4(0).tee('lo').set('hi');
  f.i32(0).set('i');
  f.block().loop();
  f.get('i').get('n4').geS().brIf(1);
  f.get('x').get('i').add().load().set('v');
  f.addWidened('v', 'lo', 'hi');
  f.inc('i', 16).br(0);
  f.end().end();
  f.get('out').sumWidened('lo', 'hi').f64Store();
  return f;
}

export function adamFunction(): Fn {
  const f = new Fn('adam', [
    ...['p', 'g', 'm', 'v', 'pOut', 'mOut', 'vOut', 'n'].map((n) => [n, I32] as [string, typeof I32]),
    ...['lrStep', 'invBc2', 'keep', 'beta1', 'c1', 'beta2', 'c2', 'eps'].map((n) => [n, F32] as [string, typeof F32]),
  ]);
  f.local(I32, 'i', 'last', 'o');
  f.local(V128, 'gv', 'mv', 'vv', 'LR', 'IB', 'KP', 'B1', 'C1', 'B2', 'C2', 'EPS');
  for (const [src, dst] of [['lrStep', 'LR'], ['invBc2', 'IB'], ['keep', 'KP'], ['beta1', 'B1'], ['c1', 'C1'], ['beta2', 'B2'], ['c2', 'C2'], ['eps', 'EPS']])
    f.get(src).splat().set(dst);
  f.get('n').i32(4).sub().i32(2).shl().set('last');
  f.overlappingVectors(() => {
    f.get('g').get('o').add().load().set('gv');
    // m' = b1 m + c1 g ; v' = b2 v + c2 g^2
    f.get('B1').get('m').get('o').add().load().vmul().get('C1').get('gv').vmul().vadd().set('mv');
    f.get('B2').get('v').get('o').add().load().vmul().get('C2').get('gv').get('gv').vmul().vmul().vadd().set('vv');
    f.get('mOut').get('o').add().get('mv').store();
    f.get('vOut').get('o').add().get('vv').store();
    // p' = p * keep - lrStep * m' / (sqrt(v' * invBc2) + eps)
    f.get('pOut').get('o').add();
    f.get('p').get('o').add().load().get('KP').vmul();
    f.get('LR').get('mv').vmul().get('vv').get('IB').vmul().vsqrt().get('EPS').vadd().vdiv();
    f.vsub().store();
  });
  return f;
}
