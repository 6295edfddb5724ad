/**
 * Data helpers for recurrent models: the `{ data, shape }` form, sliding windows, scalers,
 * a character vocabulary, padding with masks, a CSV reader (and the seattle-weather layout), seeded splits and batches, and sampling with
 * temperature. Browser-safe (no Node APIs).
 */
export { type ArrayData, checkFinite, isArrayData, type NestedNumbers, takeRows, toArrayData } from './array-data.js';
export { type Batch, type BatchOptions, batches, batchIndices } from './batching.js';
export { columns, type Csv, numberField, parseCsv } from './csv.js';
export { oneHot, type OneHotOptions } from './one-hot.js';
export { type PadOptions, type PadSide, type PaddedSequences, padSequences } from './padding.js';
export { argmax, sampleLogits, sampleWithTemperature } from './sampling.js';
export {
  type ColumnOptions,
  MinMaxScaler,
  type MinMaxState,
  type ScalerInput,
  type ScalerState,
  StandardScaler,
  type StandardState,
  scalerFromJSON,
} from './scalers.js';
export { type Split, type SplitOptions, splitIndices } from './split.js';
export {
  BOUNDARY_TOKEN,
  CharVocabulary,
  PAD_TOKEN,
  UNKNOWN_TOKEN,
  type VocabularyOptions,
  type VocabularyState,
} from './vocabulary.js';
export { parseWeatherCsv, type WeatherDay } from './weather.js';
export { slidingWindows, type WindowOptions, type Windows } from './windows.js';
export { CMUDICT_PHONEMES, type CmudictOptions, cmudictEntries, MAX_CMUDICT_ENTRIES, parseCmudict, type PronouncedWord, pronouncedWord } from './cmudict.js';
export {
  G2P_END,
  G2P_LETTERS,
  G2P_PAD,
  G2P_START,
  g2pTeacherForcing,
  LETTER_TOKENS,
  letterTokens,
  PHONEME_TOKENS,
  phonemeTokens,
  tokenPhonemes,
  tokenRows,
} from './g2p.js';
export { editDistance } from './edit-distance.js';
export { nearestSpelling, type PronunciationScore, scorePronunciations } from './pronunciation-score.js';
