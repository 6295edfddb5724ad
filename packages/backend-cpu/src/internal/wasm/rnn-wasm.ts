/**
 * The SimpleRNN step and its backward in WebAssembly SIMD, flat over n >= 4 floats (the rows of
 * one thread in a sequence program are contiguous), and an in-place add for the GRU sequence's
 * backward. The last vector of rnnCell / rnnCellGrad starts at n - 4 and may overlap the one
 * before, rewriting a few outputs with the same values (outputs never alias inputs).
 *
 *  - rnnCell(xp, hp, hOut, n, relu): hOut = act(xp + hp), act = relu (relu != 0) or tanh
 *    (math-wasm.ts's, as the unary tanh the step op uses).
 *  - rnnCellGrad(h, dh, dPre, n, relu): dPre = relu ? (h > 0 ? dh : 0) : dh * (1 - h^2).
 *  - addTo(dst, src, n): dst += src, any n (whole vectors, then one float at a time).
 */
import { Fn, I32, V128 } from './fn.js';
import { declareMath, vtanh } from './math-wasm.js';

const ptrs = (...names: string[]): [string, typeof I32][] => names.map((n) => [n, I32]);

/** for (o over the 16-byte vectors of n floats, the last at n - 4) body(o) */
function vectors(f: Fn, body: () => void): void {
  f.local(I32, 'i', 'last', 'o');
  f.get('n').i32(4).sub().i32(2).shl().set('last');
  f.overlappingVectors(body);
}

export function rnnCellFunction(): Fn {
  const f = new Fn('rnnCell', ptrs('xp', 'hp', 'hOut', 'n', 'relu'));
  f.local(V128, 'v');
  declareMath(f);
  vectors(f, () => {
    f.get('xp').get('o').add().load().get('hp').get('o').add().load().vadd().set('v');
    f.get('relu').if().get('v').f32x4(0).vmax().set('v').else();
    vtanh(f.get('v')).set('v');
    f.end();
    f.get('hOut').get('o').add().get('v').store();
  });
  return f;
}

export function rnnCellGradFunction(): Fn {
  const f = new Fn('rnnCellGrad', ptrs('h', 'dh', 'dPre', 'n', 'relu'));
  f.local(V128, 'y', 'd');
  vectors(f, () => {
    f.get('h').get('o').add().load().set('y');
    f.get('dh').get('o').add().load().set('d');
    f.get('dPre').get('o').add();
    f.get('relu').if().get('d').f32x4(0).get('y').f32x4(0).vgt().vselect().set('d').else();
    f.get('d').f32x4(1).get('y').get('y').vmul().vsub().vmul().set('d');
    f.end();
    f.get('d').store();
  });
  return f;
}

export function addToFunction(): Fn {
  const f = new Fn('addTo', ptrs('dst', 'src', 'n'));
  f.local(I32, 'i', 'nb');
  f.get('n').i32(2).shl().set('nb');
  f.i32(0).set('i');
  f.block().loop();
  f.get('i').i32(16).add().get('nb').gtS().brIf(1);
  f.get('dst').get('i').add().get('dst').get('i').add().load().get('src').get('i').add().load().vadd().store();
  f.inc('i', 16).br(0);
  f.end().end();
  f.block().loop();
  f.get('i').get('nb').geS().brIf(1);
  f.get('dst').get('i').add().get('dst').get('i').add().f32Load().get('src').get('i').add().f32Load().f32Add().f32Store();
  f.inc('i', 4).br(0);
  f.end().end();
  return f;
}
