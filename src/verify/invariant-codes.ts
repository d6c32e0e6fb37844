// The short column codes of the matrix (S1…S7 security, F1…F6 function, A1 advisory), fixed
// by the registry order of VERIFICATION.md — never by which invariants a run selected — so
// a code means the same invariant in every table and on every command line.
import { INVARIANT_IDS } from './types.js';
import type { InvariantId } from './types.js';

function codesOf(ids: readonly string[]): Map<string, string> {
  const n: Record<string, number> = {};
  const out = new Map<string, string>();
  for (const id of ids) {
    const k = id.slice(0, 3);
    n[k] = (n[k] ?? 0) + 1;
    out.set(id, `${k[0].toUpperCase()}${n[k]}`);
  }
  return out;
}

/** id -> code, for every registered invariant. */
export const INVARIANT_CODES: ReadonlyMap<InvariantId, string> = codesOf(INVARIANT_IDS) as ReadonlyMap<InvariantId, string>;

/** The code of an invariant id ("" for an id outside the registry). */
export function invariantCode(id: string): string {
  return INVARIANT_CODES.get(id as InvariantId) ?? '';
}

/** The id a code ("S1", case-insensitive) or an id stands for; undefined when neither. */
export function invariantOf(idOrCode: string): InvariantId | undefined {
  if ((INVARIANT_IDS as readonly string[]).includes(idOrCode)) return idOrCode as InvariantId;
  const up = idOrCode.toUpperCase();
  for (const [id, code] of INVARIANT_CODES) if (code === up) return id;
  return undefined;
}
