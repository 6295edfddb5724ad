/** The one buffer type of this backend. */
export type F32 = Float32Array;
