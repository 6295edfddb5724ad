/** The error a safetensors file that cannot be read (or tensors that cannot be written) raises. */
import { ModelFormatError } from '@recurrent/models';

/** What was wrong, for programs (the message says it for people, with the fix). */
export type SafetensorsProblem =
  | 'truncated'
  | 'header-size'
  | 'header-json'
  | 'dtype'
  | 'shape'
  | 'offsets'
  | 'overlap'
  | 'gap'
  | 'name'
  | 'too-large'
  | 'non-finite';

/** A safetensors file is malformed, hostile or not what was expected. `code` is E_STATE (ModelFormatError). */
export class SafetensorsError extends ModelFormatError {
  readonly problem: SafetensorsProblem;
  constructor(source: string, problem: SafetensorsProblem, message: string) {
    super(source, `safetensors (${problem}): ${message}`);
    this.problem = problem;
  }
}
