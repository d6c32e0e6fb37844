// A position in a rule file and the error every rule-language stage throws: printed as
// `FILE:LINE:COL: message` (columns count characters from 1), mapped to exit code 2.
import { InputError } from '../../util/errors.js';

export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export const fmtPos = (p: Pos): string => `${p.file}:${p.line}:${p.col}`;

export class RuleError extends InputError {
  override name = 'RuleError';
  constructor(
    readonly pos: Pos,
    readonly detail: string,
  ) {
    super(`${fmtPos(pos)}: ${detail}`);
  }
}

/** Several errors of one load, reported together (each on its own line). */
export class RuleErrors extends InputError {
  override name = 'RuleErrors';
  constructor(readonly errors: readonly RuleError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}
