// Rule-file tokens (docs/agent.md "Rule language"). One statement per line; `#` starts a
// comment; a line ending in `\` continues on the next. Words are runs of anything but blanks,
// quotes, braces, parentheses and `!`; strings are "double quoted" with \" and \\ escapes.
// USBGuard's grammar has the same shape (usbguard-rules.conf(5)).
import { RuleError, type Pos } from './errors.js';

export type TokKind = 'word' | 'string' | '{' | '}' | '(' | ')' | '!';

export interface Token {
  readonly kind: TokKind;
  readonly text: string;
  readonly pos: Pos;
}

/** One logical line: its tokens and its source text (continuations joined by a blank). */
export interface Line {
  readonly tokens: readonly Token[];
  readonly text: string;
  readonly pos: Pos;
}

const WORD_END = /[\s"{}()!#]/;

/** Lexes a whole file; a line with a lexical error is skipped (its error kept) so every
 * error of the file is reported in one run. */
export function lex(file: string, src: string, errors: RuleError[] = []): Line[] {
  const out: Line[] = [];
  const raw = src.split(/\r?\n/);
  let pending: Token[] = [];
  let pendingText: string[] = [];
  let start: Pos | null = null;
  for (let li = 0; li < raw.length; li++) {
    const s = raw[li];
    const lineNo = li + 1;
    let i = 0;
    let cont = false;
    const here = (c: number): Pos => ({ file, line: lineNo, col: c + 1 });
    const mark = pending.length;
    try {
    while (i < s.length) {
      const c = s[i];
      if (c === ' ' || c === '\t') {
        i++;
        continue;
      }
      if (c === '#') break;
      if (c === '\\' && s.slice(i + 1).trim() === '') {
        cont = true;
        break;
      }
      if (c === '"') {
        let j = i + 1;
        let val = '';
        let closed = false;
        while (j < s.length) {
          const d = s[j];
          if (d === '\\') {
            const e = s[j + 1];
            if (e === '"' || e === '\\') {
              val += e;
              j += 2;
              continue;
            }
            throw new RuleError(here(j), `unknown escape "\\${e ?? ''}" in a string (only \\" and \\\\)`);
          }
          if (d === '"') {
            closed = true;
            break;
          }
          val += d;
          j++;
        }
        if (!closed) throw new RuleError(here(i), 'unterminated string: a " is missing before the end of the line');
        pending.push({ kind: 'string', text: val, pos: here(i) });
        i = j + 1;
        continue;
      }
      if (c === '{' || c === '}' || c === '(' || c === ')' || c === '!') {
        pending.push({ kind: c, text: c, pos: here(i) });
        i++;
        continue;
      }
      if (c.charCodeAt(0) < 0x20 || c === '\u007f') throw new RuleError(here(i), `control character 0x${c.charCodeAt(0).toString(16).padStart(2, '0')} in a rule file`);
      let j = i;
      while (j < s.length && !WORD_END.test(s[j])) j++;
      pending.push({ kind: 'word', text: s.slice(i, j), pos: here(i) });
      i = j;
    }
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      errors.push(e);
      pending = pending.slice(0, mark);
      cont = false;
      continue;
    }
    const body = (cont ? s.slice(0, s.lastIndexOf('\\')) : s).replace(/#.*$/, '').trim();
    if (pending.length > 0 && start === null) start = pending[0].pos;
    if (body !== '') pendingText.push(body);
    if (!cont) {
      if (pending.length > 0 && start !== null) out.push({ tokens: pending, text: pendingText.join(' '), pos: start });
      pending = [];
      pendingText = [];
      start = null;
    }
  }
  if (pending.length > 0 && start !== null) out.push({ tokens: pending, text: pendingText.join(' '), pos: start });
  return out;
}
