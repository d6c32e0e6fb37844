// Option parsing and error mapping shared by the CLI commands (verify, matrix, run, …).
import { VariantError } from '../kernel/variants.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import { BackendMissing, loadBackend, loadScenarioFile } from '../verify/backend.js';
import { selectInvariants, INVARIANTS } from '../verify/invariants/index.js';
import type { SetExit } from './commands.js';
import { InputError } from '../util/errors.js';

export const EXIT_BAD_INPUT = 2;

export { InputError } from '../util/errors.js';

export function parseCount(flag: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(s)) throw new InputError(`${flag} wants a positive integer, got "${s}"`);
  return Number(s);
}

export function parseIommu(s: string): IommuId {
  if (!(IOMMU_IDS as readonly string[]).includes(s)) throw new InputError(`unknown IOMMU "${s}" (known: ${IOMMU_IDS.join(', ')})`);
  return s as IommuId;
}

export function checkInvariantIds(ids: readonly string[] | undefined): void {
  const { unknown } = selectInvariants(ids);
  if (unknown.length > 0) throw new InputError(`unknown invariant ${unknown.join(', ')} (known: ${INVARIANTS.map((i) => i.id).join(', ')})`);
}

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

/** Runs an action, mapping bad input to exit 2 and a missing model to exit 1. */
export async function guarded(cmd: string, setExit: SetExit, f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof InputError || e instanceof VariantError) {
      process.stderr.write(`dmagate ${cmd}: ${e.message}\n`);
      setExit(EXIT_BAD_INPUT);
    } else if (e instanceof BackendMissing) {
      process.stderr.write(`dmagate ${cmd}: ${e.message}\n`);
      setExit(1);
    } else throw e;
  }
}

