/** What every kernel module gets: the tfjs runner, our buffer table and the texture limit. */
import type { DataId } from '@recurrent/core';
import type { TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import type { CountingWebGL } from './context.js';
import { type ProgramDef, runProgram } from './program.js';
import { Store } from './store.js';

export class Gl {
  readonly be: CountingWebGL;
  readonly store: Store;
  readonly maxInputs: number;
  readonly gl: WebGL2RenderingContext;

  constructor(be: CountingWebGL, gl: WebGL2RenderingContext, maxInputs: number) {
    this.be = be;
    this.gl = gl;
    this.store = new Store(be);
    this.maxInputs = maxInputs;
  }

  /** Runs a program and returns its output as a tfjs tensor (an intermediate the caller frees). */
  tmp(def: ProgramDef, inputs: TfInfo[], out: readonly [number, number], uniforms: (number | number[])[] = []): TfInfo {
    return runProgram(this.be, def, inputs, out, uniforms);
  }

  /** Runs a program and stores its output: a new DataId. */
  run(def: ProgramDef, inputs: TfInfo[], out: readonly [number, number], uniforms: (number | number[])[] = []): DataId {
    return this.store.put(runProgram(this.be, def, inputs, out, uniforms));
  }

  free(info: TfInfo): void {
    this.be.disposeData(info.dataId);
  }
}
