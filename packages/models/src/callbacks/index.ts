export type { Callback, Logs } from './callback.js';
export { EarlyStopping, earlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { ModelCheckpoint, modelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
export { ProgressBar, type ProgressStream } from './progress-bar.js';
