// Key path -> position in the YAML text (STYLE.md §3: validate on the Document's nodes so the
// key path and line:column both survive). Walks yaml's node tree; when the path goes deeper
// than the text (a missing key), the nearest existing ancestor is reported.

import { isMap, isPair, isScalar, isSeq, LineCounter } from 'yaml';
import type { Document } from 'yaml';
import type { KeyPath, ScenarioError } from './errors.js';

export interface Located {
  readonly pos: readonly [number, number];
  readonly linePos: { readonly line: number; readonly col: number };
}

function rangeOf(n: unknown): readonly [number, number] | undefined {
  const r = (n as { range?: readonly number[] | null } | null)?.range;
  return r ? [r[0], r[1]] : undefined;
}

/** The node at `path` (or, with `atKey`, the key of its last segment). */
export function locate(doc: Document, lc: LineCounter, path: KeyPath, atKey = false): Located | undefined {
  let node: unknown = doc.contents;
  let best = rangeOf(node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
      if (!pair) break;
      if (last && atKey) {
        best = rangeOf(pair.key) ?? best;
        break;
      }
      node = pair.value;
      best = rangeOf(node) ?? rangeOf(pair.key) ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      best = rangeOf(node) ?? best;
    } else {
      break;
    }
  }
  if (!best) return undefined;
  const lp = lc.linePos(best[0]);
  return { pos: best, linePos: { line: lp.line, col: lp.col } };
}

/** Adds pos/linePos to an error from its path. */
export function withPos(e: Omit<ScenarioError, 'pos' | 'linePos'>, doc: Document, lc: LineCounter, atKey = false): ScenarioError {
  const at = locate(doc, lc, e.path, atKey);
  return at ? { ...e, pos: at.pos, linePos: at.linePos } : e;
}

