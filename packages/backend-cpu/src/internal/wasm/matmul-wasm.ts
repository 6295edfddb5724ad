/**
 * The WebAssembly SIMD matmul: out[M, N] = op(A)[M, K] @ op(B)[K, N] (+ bias[N]), float32.
 *
 * Generated, not hand-written: `matmulFunction(mr, nv, nvRow)` emits a kernel whose register
 * tile is `mr` rows by `nv` four-lane vectors of columns. Per step p of K the tile loads nv
 * vectors of B's row p and `mr` scalars of op(A)'s column p (each splatted to four lanes),
 * then does mr*nv vector multiply-adds into accumulators that stay in registers for the whole
 * K loop. Edges: the last N % (4 nv) columns use a one-vector tile, then a scalar one; the
 * last M % mr rows use one-row tiles of `nvRow` vectors (a lone row has registers to spare,
 * and a batch-1 matrix-vector product is all such rows).
 *
 * Operands, packed by the caller (kernels.ts) with the two pack functions below:
 *  - blocks of mr rows read op(A) from row panels: panel i holds rows mr*i .. mr*i + mr - 1,
 *    for each p the mr values side by side, so a K step is mr loads at constant offsets and
 *    A and A^T cost the same. The leftover rows read op(A) in place through byte strides
 *    (ars between rows, aks along K);
 *  - the wide tiles of those blocks read op(B) from column panels: panel q holds columns
 *    4nv*q .. 4nv*q + 4nv - 1 of every row, contiguous, so the K loop walks memory in order
 *    (read in place, rows of B 4 KiB apart, as with N = 1024, all fall in one L1 cache set).
 *    Everything else reads op(B) row-major in place (rows `ldb` bytes apart).
 * With `acc` = 1 the tile starts from `out` instead of the bias (K blocking).
 *
 * Signature (all i32; pointers and strides in bytes):
 *   (a, b, bias, out, M, N, K, ars, aks, ldb, ldo, acc, apk, aps, bpk, bps)
 *   bias = 0: no bias. apk / bpk: this K block's first row in the A / B panels, aps / bps:
 *   bytes from one panel to the next; bps = 0: no B panels (wide tiles read B in place).
 *   K >= 1.
 */
import { F32, Fn, I32, V128 } from './fn.js';

const names = (...n: string[]): [string, typeof I32][] => n.map((x) => [x, I32]);

/**
 * `relaxed`: the vector multiply-add is one f32x4.relaxed_madd (relaxed SIMD: a fused
 * multiply-add where the hardware has one) instead of f32x4.mul then f32x4.add.
 */
export function matmulFunction(name: string, mr: number, nv: number, nvRow = nv, relaxed = false): Fn {
  const f = new Fn(name, names('a', 'b', 'bias', 'out', 'M', 'N', 'K', 'ars', 'aks', 'ldb', 'ldo', 'acc', 'apk', 'aps', 'bpk', 'bps'));
  f.local(I32, 'i', 'j', 'p', 'ap', 'bp', 'op', 'step', 'pa', 'pb', 'astep', 'bstep');
  const nvMax = Math.max(nv, nvRow);
  for (let r = 0; r < mr; r++) for (let v = 0; v < (r === 0 ? nvMax : nv); v++) f.local(V128, `c${r}_${v}`);
  for (let v = 0; v < nvMax; v++) f.local(V128, `b${v}`);
  f.local(V128, 'x');
  for (let r = 0; r < mr; r++) f.local(F32, `s${r}`);

  /**
   * One tile of `rows` rows (mr: from the A panel at `pa`; 1: op(A) in place) by `vecs`
   * vectors (0: one scalar column) at (i, j), reading B from the panel at `pb` when
   * `bPanel` and bps != 0, else in place.
   */
  const tile = (rows: number, vecs: number, bPanel: boolean) => {
    const scalar = vecs === 0;
    const aPanel = rows > 1;
    f.get('j').i32(2).shl().tee('step');
    f.get('out').add().get('i').get('ldo').mul().add().set('op');
    if (aPanel) f.get('pa').set('ap').i32(4 * rows).set('astep');
    else f.get('a').get('i').get('ars').mul().add().set('ap').get('aks').set('astep');
    if (bPanel) f.get('bps').if().get('pb').set('bp').i32(16 * vecs).set('bstep').else();
    f.get('b').get('step').add().set('bp').get('ldb').set('bstep');
    if (bPanel) f.end();
    const lanes = Math.max(vecs, 1);
    // Accumulators: from out (acc), else the bias, else zero.
    f.get('acc').if();
    for (let r = 0; r < rows; r++)
      for (let v = 0; v < lanes; v++) {
        f.get('op');
        if (r) f.get('ldo').i32(r).mul().add();
        if (scalar) f.f32Load().set(`s${r}`);
        else f.load(16 * v).set(`c${r}_${v}`);
      }
    f.else();
    f.get('bias').if();
    for (let v = 0; v < lanes; v++) {
      f.get('bias').get('step').add();
      if (scalar) f.f32Load().set('s0');
      else f.load(16 * v).set(`c0_${v}`);
    }
    f.else();
    if (scalar) f.f32(0).set('s0');
    else for (let v = 0; v < lanes; v++) f.f32x4(0).set(`c0_${v}`);
    f.end();
    for (let r = 1; r < rows; r++)
      for (let v = 0; v < lanes; v++)
        if (scalar) f.get('s0').set(`s${r}`);
        else f.get(`c0_${v}`).set(`c${r}_${v}`);
    f.end();
    // K loop (do-while: K >= 1). Row r of the tile: ap + 4r in a panel, ap when in place (1 row).
    f.get('K').set('p');
    f.loop();
    if (scalar)
      for (let r = 0; r < rows; r++)
        f.get(`s${r}`).get('ap').f32Load(4 * r).get('bp').f32Load().f32Mul().f32Add().set(`s${r}`);
    else {
      for (let v = 0; v < vecs; v++) f.get('bp').load(16 * v).set(`b${v}`);
      for (let r = 0; r < rows; r++) {
        f.get('ap').loadSplat(4 * r).set('x');
        for (let v = 0; v < vecs; v++)
          if (relaxed) f.get('x').get(`b${v}`).get(`c${r}_${v}`).vmadd().set(`c${r}_${v}`);
          else f.get(`c${r}_${v}`).get('x').get(`b${v}`).vmul().vadd().set(`c${r}_${v}`);
      }
    }
    f.inc('ap', 'astep').inc('bp', 'bstep');
    f.get('p').i32(1).sub().tee('p').brIf(0);
    f.end();
    for (let r = 0; r < rows; r++)
      for (let v = 0; v < lanes; v++) {
        f.get('op');
        if (r) f.get('ldo').i32(r).mul().add();
        if (scalar) f.get(`s${r}`).f32Store();
        else f.get(`c${r}_${v}`).store(16 * v);
      }
  };

  /** All columns of rows i .. i+rows-1: wide tiles (B panels when rows = mr), one-vector tiles, scalar columns. */
  const rowBlock = (rows: number, vecs: number) => {
    f.i32(0).set('j');
    f.get('bpk').set('pb');
    const columns = (width: number, v: number, bPanel: boolean) => {
      // while (j + width <= N) { tile; j += width }
      f.block().loop();
      f.get('j').i32(width).add().get('N').gtS().brIf(1);
      tile(rows, v, bPanel);
      if (bPanel) f.inc('pb', 'bps');
      f.inc('j', width).br(0);
      f.end().end();
    };
    columns(4 * vecs, vecs, rows === mr);
    if (vecs > 1) columns(4, 1, false);
    columns(1, 0, false);
  };

  // while (i + mr <= M) { rowBlock(mr); i += mr; pa += aps } ; while (i < M) { rowBlock(1); i++ }
  f.i32(0).set('i');
  f.get('apk').set('pa');
  f.block().loop();
  f.get('i').i32(mr).add().get('M').gtS().brIf(1);
  rowBlock(mr, nv);
  f.inc('i', mr).inc('pa', 'aps').br(0);
  f.end().end();
  f.block().loop();
  f.get('i').get('M').geS().brIf(1);
  rowBlock(1, nvRow);
  f.inc('i', 1).br(0);
  f.end().end();
  return f;
}

/**
 * Packs the first `panels` * mr rows of op(A) (element (i, p) at src + i*ars + p*aks) into
 * row panels: panel q, step p, row r at dst + q*aps + p*4mr + 4r.
 * Signature (i32): (src, ars, aks, dst, aps, K, panels).
 */
export function packAFunction(name: string, mr: number): Fn {
  const f = new Fn(name, names('src', 'ars', 'aks', 'dst', 'aps', 'K', 'panels'));
  f.local(I32, 'q', 'p', 'd');
  for (let r = 0; r < mr; r++) f.local(I32, `s${r}`);
  f.i32(0).set('q');
  f.block().loop();
  f.get('q').get('panels').geS().brIf(1);
  for (let r = 0; r < mr; r++) f.get('src').get('q').i32(mr).mul().i32(r).add().get('ars').mul().add().set(`s${r}`);
  f.get('dst').get('q').get('aps').mul().add().set('d');
  f.get('K').set('p');
  f.loop();
  for (let r = 0; r < mr; r++) f.get('d').get(`s${r}`).f32Load().f32Store(4 * r).inc(`s${r}`, 'aks');
  f.inc('d', 4 * mr);
  f.get('p').i32(1).sub().tee('p').brIf(0);
  f.end();
  f.inc('q', 1).br(0);
  f.end().end();
  return f;
}

/**
 * Packs the first `panels` * 4nv columns of row-major op(B) (rows `ldb` bytes apart) into
 * column panels: panel q, row p at dst + q*bps + p*16nv. Signature (i32): (src, ldb, dst, bps, K, panels).
 */
export function packBFunction(name: string, nv: number): Fn {
  const f = new Fn(name, names('src', 'ldb', 'dst', 'bps', 'K', 'panels'));
  f.local(I32, 'q', 'p', 's', 'd');
  f.i32(0).set('q');
  f.block().loop();
  f.get('q').get('panels').geS().brIf(1);
  f.get('src').get('q').i32(16 * nv).mul().add().set('s');
  f.get('dst').get('q').get('bps').mul().add().set('d');
  f.get('K').set('p');
  f.loop();
  for (let v = 0; v < nv; v++) f.get('d').get('s').load(16 * v).store(16 * v);
  f.inc('s', 'ldb').inc('d', 16 * nv);
  f.get('p').i32(1).sub().tee('p').brIf(0);
  f.end();
  f.inc('q', 1).br(0);
  f.end().end();
  return f;
}

/**
 * packB's panels read from B^T instead of row-major op(B): src is b [N, K] (rows `ldbT` bytes
 * apart) with op(B) = b^T, so panel q, row p, column c is b[4nv*q + c, p]. Each of a panel's
 * 4nv rows of b is read in order (no transposed copy of b first: that was a float-by-float
 * TypeScript loop on the recurrent weights at every training step). Signature (i32):
 * (src, ldbT, dst, bps, K, panels).
 */
export function packBTFunction(name: string, nv: number): Fn {
  const f = new Fn(name, names('src', 'ldbT', 'dst', 'bps', 'K', 'panels'));
  f.local(I32, 'q', 'c', 'p', 's', 'd');
  f.i32(0).set('q');
  f.block().loop();
  f.get('q').get('panels').geS().brIf(1);
  f.i32(0).set('c');
  f.loop();
  // s = src + (4nv*q + c) * ldbT; d = dst + q*bps + 4c
  f.get('src').get('q').i32(4 * nv).mul().get('c').add().get('ldbT').mul().add().set('s');
  f.get('dst').get('q').get('bps').mul().add().get('c').i32(2).shl().add().set('d');
  f.get('K').set('p');
  f.loop();
  f.get('d').get('s').f32Load().f32Store();
  f.inc('s', 4).inc('d', 16 * nv);
  f.get('p').i32(1).sub().tee('p').brIf(0);
  f.end();
  f.inc('c', 1).get('c').i32(4 * nv).ltS().brIf(0);
  f.end();
  f.inc('q', 1).br(0);
  f.end().end();
  return f;
}

