// The invariant registry, in VERIFICATION.md order.
import type { Invariant, InvariantId } from '../types.js';
import { INVARIANT_IDS } from '../types.js';
import { SECURITY } from './security.js';
import { ADVISORY, FUNCTION } from './function.js';

const ALL: readonly Invariant[] = [...SECURITY, ...FUNCTION, ...ADVISORY];

export const INVARIANTS: readonly Invariant[] = INVARIANT_IDS.map((id) => {
  const inv = ALL.find((i) => i.id === id);
  if (inv === undefined) throw new Error(`IMPOSSIBLE: invariant ${id} has no definition`);
  return inv;
});

export function invariantById(id: InvariantId): Invariant {
  return INVARIANTS.find((i) => i.id === id) as Invariant;
}

/** Selected invariants by id; unknown ids are reported, not ignored. */
export function selectInvariants(ids: readonly string[] | undefined): { invariants: Invariant[]; unknown: string[] } {
  if (ids === undefined || ids.length === 0) return { invariants: [...INVARIANTS], unknown: [] };
  const unknown = ids.filter((id) => !INVARIANTS.some((i) => i.id === id));
  return { invariants: INVARIANTS.filter((i) => ids.includes(i.id)), unknown };
}
