export { SafetensorsError, type SafetensorsProblem } from './errors.js';
export {
  DTYPE_BYTES,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type DecodedTensor,
  type Dtype,
  type SafetensorsEntry,
  type SafetensorsLimits,
  type SafetensorsTensor,
} from './format.js';
