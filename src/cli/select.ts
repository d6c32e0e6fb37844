// Lists on the command line: comma-separated-or-repeated options, invariant ids and column
// codes, --fail-on levels of verify/matrix. No kernel model here (run and replay import it).
import { INVARIANTS } from '../verify/invariants/index.js';
import { INVARIANT_CODES, invariantOf } from '../verify/invariant-codes.js';
import type { InvariantId, InvariantResult } from '../verify/types.js';
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

/** A commander argument parser for list options: comma-separated values, and the option may
 * repeat (`--invariant a,b --invariant c`). Never variadic, so a list option cannot swallow
 * the positional argument that follows it. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new InputError(`empty item in list "${value}" (give values separated by single commas)`);
  return [...(previous ?? []), ...parts];
}

/** Invariant ids or matrix column codes (S1, f2, …) -> ids, in the order given, without
 * repeats; an unknown one is an error with the nearest id or code. */
export function resolveInvariants(items: readonly string[] | undefined): InvariantId[] | undefined {
  if (items === undefined || items.length === 0) return undefined;
  const out: InvariantId[] = [];
  const known = [...INVARIANT_CODES.keys(), ...INVARIANT_CODES.values()];
  for (const it of items) {
    const id = invariantOf(it);
    if (id === undefined) throw new InputError(`unknown invariant "${it}"${didYouMean(it, known)} (dmagate verify --list-invariants shows ids and codes)`);
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** `verify --list-invariants`: id, column code, kind, one-line statement, source. */
export function invariantList(): { id: string; code: string; kind: string; statement: string; source: string }[] {
  return INVARIANTS.map((i) => ({ id: i.id, code: INVARIANT_CODES.get(i.id) ?? '', kind: i.kind, statement: i.statement, source: i.source }));
}

export function invariantListText(): string {
  const rows = invariantList();
  const w = Math.max(...rows.map((r) => r.id.length));
  return rows.map((r) => `${r.code.padEnd(3)} ${r.id.padEnd(w)}  ${r.statement}`).join('\n') + '\n';
}

/** verify/matrix `--fail-on`: which verdicts make the exit status 1. */
export const VERDICT_FAIL_ON = ['violated', 'inconclusive', 'never'] as const;
export type VerdictFailOn = (typeof VERDICT_FAIL_ON)[number];

export function parseVerdictFailOn(s: string): VerdictFailOn {
  if (!(VERDICT_FAIL_ON as readonly string[]).includes(s)) throw new InputError(`--fail-on wants ${VERDICT_FAIL_ON.join(', ')}, got "${s}"${didYouMean(s, VERDICT_FAIL_ON)}`);
  return s as VerdictFailOn;
}

/** True when a result counts as found under --fail-on: violated, or (with "inconclusive")
 * violated or inconclusive; never with "never". */
export function failsOn(level: VerdictFailOn, results: Iterable<InvariantResult>): boolean {
  if (level === 'never') return false;
  for (const r of results) if (r.verdict === 'violated' || (level === 'inconclusive' && r.verdict === 'inconclusive')) return true;
  return false;
}

export const VERDICT_FAIL_ON_HELP =
  'exit 1 when a verdict is at least this bad: violated, inconclusive (violated or a bound was hit), never';
