// Option parsing and error mapping shared by the CLI commands (verify, matrix, run, audit, …).
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import { BackendMissing, loadBackend, loadScenarioFile } from '../verify/backend.js';
import { INVARIANTS } from '../verify/invariants/index.js';
import { INVARIANT_CODES, invariantOf } from '../verify/invariant-codes.js';
import type { InvariantId, InvariantResult } from '../verify/types.js';
import type { SetExit } from './commands.js';
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

/** Exit codes (the contract of src/cli/main.ts). */
export const EXIT_FOUND = 1;
export const EXIT_BAD_INPUT = 2;

export { InputError } from '../util/errors.js';

export function parseCount(flag: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(s)) throw new InputError(`${flag} wants a positive integer, got "${s}"`);
  return Number(s);
}

/** A commander argument parser for list options: comma-separated values, and the option may
 * repeat (`--invariant a,b --invariant c`). Never variadic, so a list option cannot swallow
 * the positional argument that follows it. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new InputError(`empty item in list "${value}" (give values separated by single commas)`);
  return [...(previous ?? []), ...parts];
}

export function parseIommu(s: string): IommuId {
  if (!(IOMMU_IDS as readonly string[]).includes(s)) throw new InputError(`unknown IOMMU "${s}"${didYouMean(s, IOMMU_IDS)} (known: ${IOMMU_IDS.join(', ')})`);
  return s as IommuId;
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
  'exit 1 when a verdict is at least this bad: violated (default), inconclusive (violated or a bound was hit), never';

/** The base platform (and the scenario's variant text, if any): a scenario file or the
 * built-in reference platform. */
export async function basePlatform(file: string | undefined): Promise<{ platform: Platform; variantText?: string; name: string }> {
  if (file === undefined) {
    const b = await loadBackend();
    const p = b.referencePlatform();
    return { platform: p, name: p.name };
  }
  const r = await loadScenarioFile(file);
  if ('errors' in r) throw new InputError(r.errors.join('\n'));
  return { platform: r.scenario.platform, variantText: r.scenario.variantText, name: r.scenario.platform.name };
}

/** Runs an action, mapping bad input (every InputError, from any layer) and a missing model
 * to exit 2 with the message. */
export async function guarded(cmd: string, setExit: SetExit, f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof InputError || e instanceof BackendMissing) {
      process.stderr.write(`dmagate ${cmd}: ${e.message}\n`);
      setExit(EXIT_BAD_INPUT);
    } else throw e;
  }
}

/** Throws on an unknown invariant id or code (kept for callers that only validate). */
export function checkInvariantIds(ids: readonly string[] | undefined): void {
  resolveInvariants(ids);
}
