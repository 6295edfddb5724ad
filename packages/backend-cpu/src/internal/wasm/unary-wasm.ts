/**
 * Elementwise tanh, sigmoid and affine (x * scale + shift) over n >= 4 floats (smaller arrays use the TypeScript loops),
 * with the vector math of math-wasm.ts. The last vector starts at n - 4 and may overlap the
 * one before it, rewriting a few outputs with the same values. A SimpleRNN step is one tanh:
 * with Math.tanh it was a third of W1's training time.
 *
 * Signature (i32, bytes for pointers): (src, dst, n); affine also (scale, shift) as f32.
 */
import { F32, Fn, I32 } from './fn.js';
import { declareMath, vsigmoid, vtanh } from './math-wasm.js';

function mapFunction(name: string, emit: (f: Fn) => Fn, scalars: string[] = [], setup?: (f: Fn) => void): Fn {
  const f = new Fn(name, [['src', I32], ['dst', I32], ['n', I32], ...scalars.map((s) => [s, F32] as [string, typeof F32])]);
  f.local(I32, 'i', 'last', 'o');
  declareMath(f);
  setup?.(f);
  // dst[o] = f(src[o]) over the vectors
  f.get('n').i32(4).sub().i32(2).shl().set('last');
  f.overlappingVectors(() => emit(f.get('dst').get('o').add().get('src').get('o').add().load()).store());
  return f;
}

export const tanhFunction = () => mapFunction('tanh', vtanh);
export const sigmoidFunction = () => mapFunction('sigmoid', vsigmoid);
/** x * scale + shift (a multiply and an add, rounded after each as in the TypeScript loop). */
export const affineFunction = () =>
  mapFunction(
    'affine',
    (f) => f.get('m_a').vmul().get('m_t').vadd(),
    ['scale', 'shift'],
    (f) => f.get('scale').splat().set('m_a').get('shift').splat().set('m_t'),
  );

