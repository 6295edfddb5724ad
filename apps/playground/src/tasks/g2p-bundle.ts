/**
 * The size of the bundled CMUdict subset, shared by the build (data-files.ts, which must not
 * import the workspace packages: Vite loads its config without their source condition) and the
 * g2p task. No imports.
 */

/** Longest word bundled (letters); every batch is padded to it (one input shape for GPU kernels). */
export const G2P_MAX_LETTERS = 12;
/** Words bundled: 3000 train, 300 held out. */
export const G2P_BUNDLE = 3300;
