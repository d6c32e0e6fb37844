// Option parsing and error mapping shared by the CLI commands (verify, matrix, run, audit, …).
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import { BackendMissing, loadBackend, loadScenarioFile } from '../verify/backend.js';
import { existsSync } from 'node:fs';
import { invariantOf } from '../verify/invariant-codes.js';
import type { SetExit } from './commands.js';
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { guardedBy } from './exit.js';

export { EXIT_BAD_INPUT, EXIT_FOUND } from './exit.js';

export { InputError } from '../util/errors.js';
export * from './select.js';

export function parseCount(flag: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(s)) throw new InputError(`${flag} wants a positive integer, got "${s}"`);
  return Number(s);
}

export function parseIommu(s: string): IommuId {
  if (!(IOMMU_IDS as readonly string[]).includes(s)) throw new InputError(`unknown IOMMU "${s}"${didYouMean(s, IOMMU_IDS)} (known: ${IOMMU_IDS.join(', ')})`);
  return s as IommuId;
}

/** The base platform (and the scenario's variant text, if any): a scenario file or the
 * built-in reference platform. */
export async function basePlatform(file: string | undefined): Promise<{ platform: Platform; variantText?: string; name: string }> {
  if (file === undefined) {
    const b = await loadBackend();
    const p = b.referencePlatform();
    return { platform: p, name: p.name };
  }
  if (!existsSync(file)) {
    // The old variadic syntax (`--iommu intel amd`, `--invariant S1 F2`) leaves the second
    // value here: say how lists are written now.
    if ((IOMMU_IDS as readonly string[]).includes(file)) throw new InputError(`no scenario file "${file}": to give several IOMMUs, separate them with commas or repeat the option (--iommu a,${file})`);
    if (invariantOf(file) !== undefined) throw new InputError(`no scenario file "${file}": to give several invariants, separate them with commas or repeat the option (--invariant a,${file})`);
  }
  const r = await loadScenarioFile(file);
  if ('errors' in r) throw new InputError(r.errors.join('\n'));
  return { platform: r.scenario.platform, variantText: r.scenario.variantText, name: r.scenario.platform.name };
}

/** Runs an action, mapping bad input (every InputError, from any layer) and a missing model
 * to exit 2 with the message. */
export async function guarded(cmd: string, setExit: SetExit, f: () => Promise<void>): Promise<void> {
  await guardedBy(cmd, setExit, f, (e) => e instanceof InputError || e instanceof BackendMissing);
}

