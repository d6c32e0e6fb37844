// Limits the YAML text must respect before it becomes a JS value (docs/scenario.md "Numbers and
// limits"): a nesting depth (the deepest scenario key is 7 levels down; yaml's composer
// recurses and fails with "Maximum call stack size exceeded" near 1,000 levels), and integers
// exact in a JS number (|n| <= 2^53 - 1; larger ones must be quoted strings, which the u64
// fields accept). Both walks are iterative, so no input can exhaust the stack here.
import { isMap, isPair, isScalar, isSeq, Parser } from 'yaml';
import type { CST, Document } from 'yaml';
import type { KeyPath } from './errors.js';
import type { PathIssue } from './scenario-types.js';

/** Deepest nesting of mappings and lists accepted. */
export const MAX_YAML_DEPTH = 64;

export interface DepthError {
  readonly path: KeyPath;
  /** Offset of the collection that is one level too deep. */
  readonly offset: number;
}

type Tok = CST.Token | undefined;

/** The first collection nested deeper than MAX_YAML_DEPTH, from the CST (yaml's Parser is a
 * stack machine: it does not recurse). Null when the text is within the limit. */
export function depthError(text: string, max = MAX_YAML_DEPTH): DepthError | null {
  return flowDepthError(text, max) ?? cstDepthError(new Parser().parse(text), max);
}

/** The first half of depthError, on the text alone: flow brackets, in one linear pass
 * (megabytes of "[" cost the CST parser seconds); the key path is then read from the CST of
 * the text before the offending bracket. Run it before building the CST. */
export function flowDepthError(text: string, max = MAX_YAML_DEPTH): DepthError | null {
  const at = flowDepthOffset(text, max);
  return at >= 0 ? { path: lastPath(text.slice(0, at)), offset: at } : null;
}

/** The second half, on the text's CST: the loader builds it once and hands the same tokens
 * to yaml's Composer (a second Parser pass cost as much as the whole parseDocument). */
export function cstDepthError(tokens: Iterable<CST.Token>, max = MAX_YAML_DEPTH): DepthError | null {
  const stack: { tok: Tok; depth: number; path: (string | number)[] }[] = [];
  for (const doc of tokens) {
    if (doc.type === 'document') stack.push({ tok: doc.value, depth: 0, path: [] });
  }
  while (stack.length > 0) {
    const { tok, depth, path } = stack.pop()!;
    if (tok === undefined) continue;
    if (tok.type === 'block-map' || tok.type === 'block-seq' || tok.type === 'flow-collection') {
      if (depth + 1 > max) return { path, offset: tok.offset };
      const isSeqTok = tok.type === 'block-seq' || (tok.type === 'flow-collection' && tok.start.source === '[');
      tok.items.forEach((it, i) => {
        const item = it as { key?: Tok; value?: Tok };
        const key = item.key !== undefined && item.key !== null && 'source' in item.key && typeof item.key.source === 'string' ? item.key.source : undefined;
        const seg: string | number = isSeqTok && key === undefined ? i : (key ?? i);
        if (item.key) stack.push({ tok: item.key, depth: depth + 1, path: [...path, seg] });
        if (item.value) stack.push({ tok: item.value, depth: depth + 1, path: [...path, seg] });
      });
    } else if (tok.type === 'block-scalar' || tok.type === 'scalar' || tok.type === 'alias' || tok.type === 'single-quoted-scalar' || tok.type === 'double-quoted-scalar') {
      continue;
    }
  }
  return null;
}

/** Offset of the first "[" or "{" opening level max+1, counting brackets outside quotes and
 * comments (a conservative over-count in plain scalars is harmless at this depth); -1 if none. */
function flowDepthOffset(text: string, max: number): number {
  let depth = 0;
  let lineStart = true;
  let prev = -1; // last non-blank character on this line (-1 at its start)
  for (let i = 0; i < text.length; i++) {
    if (lineStart) {
      // compact block collections: "- - - x" or "? ? x" open one level per indicator
      let j = i;
      let n = 0;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x20) j++;
        else if ((d === 0x2d || d === 0x3f) && (text.charCodeAt(j + 1) === 0x20 || text.charCodeAt(j + 1) === 0x0a)) {
          if (++n > max) return j;
          j += 2;
        } else break;
      }
    }
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if ((c === 0x22 || c === 0x27) && (prev === -1 || prev === 0x3a || prev === 0x5b || prev === 0x7b || prev === 0x2c || prev === 0x2d || prev === 0x3f)) {
      // a quote opens a quoted scalar only where a scalar starts (p'arent is a plain scalar)
      // a quoted scalar: skip to its closing quote ('' and \" escapes)
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (c === 0x22 && d === 0x5c) i++;
        else if (d === c) {
          if (c === 0x27 && text.charCodeAt(i + 1) === 0x27) i++;
          else break;
        }
      }
    } else if (c === 0x23 && (lineStart || text.charCodeAt(i - 1) === 0x20 || text.charCodeAt(i - 1) === 0x09)) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      i = nl;
      lineStart = true;
      prev = -1;
      continue;
    }
    lineStart = c === 0x0a;
    if (lineStart) prev = -1;
    else if (c !== 0x20 && c !== 0x09) prev = c;
  }
  return -1;
}

/** The key path of the innermost, last collection of a (truncated) text's CST. */
function lastPath(text: string): (string | number)[] {
  const path: (string | number)[] = [];
  let tok: Tok;
  for (const doc of new Parser().parse(text)) if (doc.type === 'document') tok = doc.value;
  while (tok !== undefined && (tok.type === 'block-map' || tok.type === 'block-seq' || tok.type === 'flow-collection') && tok.items.length > 0) {
    const i = tok.items.length - 1;
    const item = tok.items[i] as { key?: Tok; value?: Tok };
    const key = item.key !== undefined && item.key !== null && 'source' in item.key && typeof item.key.source === 'string' ? item.key.source : undefined;
    const isSeqTok = tok.type === 'block-seq' || (tok.type === 'flow-collection' && tok.start.source === '[');
    path.push(isSeqTok && key === undefined ? i : (key ?? i));
    tok = item.value;
  }
  return path;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Integers parsed as BigInt (parseDocument with intAsBigInt) become numbers when exact, and an
 * issue when not; floats beyond 2^53 that the schema would take for integers (`1e20`) too.
 * Mutates the document's scalars in place.
 */
export function exactIntegers(doc: Document): PathIssue[] {
  const issues: PathIssue[] = [];
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? String(pair.key.value) : '?';
        stack.push({ node: pair.key, path: [...path, k] });
        stack.push({ node: pair.value, path: [...path, k] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((it, i) => stack.push({ node: it, path: [...path, i] }));
    } else if (isScalar(node)) {
      const v = node.value;
      const src = (node as { source?: string }).source ?? String(v);
      if (typeof v === 'bigint') {
        if (v <= MAX_SAFE && v >= -MAX_SAFE) node.value = Number(v);
        else issues.push({ code: 'BAD_VALUE', message: tooBig(src), path });
      } else if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
        issues.push({ code: 'BAD_VALUE', message: tooBig(src), path });
      }
    }
  }
  return issues;
}

function tooBig(src: string): string {
  const s = src.length > 40 ? src.slice(0, 40) + '…' : src;
  return `${s} is beyond 2^53 - 1, the largest integer a YAML/JSON number holds exactly: write it as a quoted string ("0x…" or decimal), which 64-bit fields accept`;
}
