/** Weights as plain values: what getWeights returns and setWeights takes. */
export interface NamedWeight {
  /** `<layer>/<weight>`, e.g. `lstm/recurrent_kernel`. */
  name: string;
  shape: number[];
  data: Float32Array | Float64Array;
}
