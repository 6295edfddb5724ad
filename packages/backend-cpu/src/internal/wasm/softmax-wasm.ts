/**
 * Row-wise softmax and log-softmax of [rows, n >= 4] (narrower rows use the TypeScript loops
 * of ../reduce.ts), with the vector exp and log of math-wasm.ts. As the TypeScript loops, each
 * row is shifted by its max and the sum of its exps is taken in float64; the last vector of a
 * row starts at n - 4 and may overlap the one before it (its repeated lanes are left out of
 * the sum). A char-level model's softmax over every time step was the largest serial part of
 * a threaded training step (W4 in docs/benchmarks.md); rows are independent, so the kernels
 * split by rows (kernels.ts).
 *
 * Signature (i32, bytes for pointers): (src, dst, rows, n).
 */
import { Fn, I32, V128 } from './fn.js';
import { declareMath, vexp, vlog } from './math-wasm.js';

function rowsFunction(name: string, log: boolean): Fn {
  const f = new Fn(name, [
    ['src', I32],
    ['dst', I32],
    ['rows', I32],
    ['n', I32],
  ]);
  f.local(I32, 'i', 'o', 'last', 'n4', 'row', 'out');
  f.local(V128, 'mx', 'd', 'e', 'lo', 'hi', 'keep', 'inv');
  declareMath(f);
  /** Over one row's vectors. */
  const vectors = (body: () => void) => f.overlappingVectors(body);
  f.get('n').i32(4).sub().i32(2).shl().set('last');
  f.get('n').i32(-4).and().i32(2).shl().set('n4'); // bytes of the whole vectors
  // keep: the lanes of the last vector that the vectors before it did not cover (all when n % 4 == 0)
  f.f32x4Lanes([0, 1, 2, 3]).f32(-0.5).i32(4).get('n').i32(3).and().sub().i32(3).and().f32FromI32().f32Add().splat().vgt().set('keep');
  f.get('n').i32(2).shl().set('n'); // row bytes
  f.block().loop();
  f.get('rows').eqz().brIf(1);
  f.get('src').set('row').get('dst').set('out');
  // the row's max, in every lane
  f.get('row').load().set('mx');
  vectors(() => f.get('mx').get('row').get('o').add().load().vmax().set('mx'));
  f.get('mx').get('mx').get('mx').shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).vmax().set('mx');
  f.get('mx').get('mx').get('mx').shuffle([4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11]).vmax().set('mx');
  // e = exp(x - max) (the softmax stores it), summed in float64
  f.f32x4(0).tee('lo').set('hi');
  vectors(() => {
    // exp underflows to 0 below about -103 (float32); vexp's clamp would give 1.2e-38 there, which
    // is not the exact 0 that a masked (-1e9) attention score must get: zero below the clamp.
    f.f32x4(0);
    vexp(f.get('row').get('o').add().load().get('mx').vsub().tee('d'));
    f.get('d').f32x4(-87.33654).vlt().vselect().set('e');
    if (!log) f.get('out').get('o').add().get('e').store();
    f.get('o').get('i').ne().if().get('e').get('keep').vand().set('e').end();
    f.addWidened('e', 'lo', 'hi');
  });
  const sum = () => f.sumWidened('lo', 'hi');
  if (log) {
    // out = x - (max + log(sum))
    sum().f32FromF64().splat();
    vlog(f).get('mx').vadd().set('inv');
    vectors(() => f.get('out').get('o').add().get('row').get('o').add().load().get('inv').vsub().store());
  } else {
    // out = e * (1 / sum): the whole vectors, then the last n % 4 floats one by one (none scaled twice)
    f.f64(1);
    sum().f64Div().f32FromF64().splat().set('inv');
    f.i32(0).set('i');
    f.block().loop();
    f.get('i').get('n4').geS().brIf(1);
    f.get('out').get('i').add().get('out').get('i').add().load().get('inv').vmul().store();
    f.inc('i', 16).br(0);
    f.end().end();
    f.block().loop();
    f.get('i').get('n').geS().brIf(1);
    f.get('out').get('i').add().get('out').get('i').add().f32Load().get('inv').lane(0).f32Mul().f32Store();
    f.inc('i', 4).br(0);
    f.end().end();
  }
  f.inc('src', 'n').inc('dst', 'n');
  f.get('rows').i32(1).sub().set('rows');
  f.br(0);
  f.end().end();
  return f;
}

export const softmaxFunction = () => rowsFunction('softmaxRows', false);
export const logSoftmaxFunction = () => rowsFunction('logSoftmaxRows', true);
