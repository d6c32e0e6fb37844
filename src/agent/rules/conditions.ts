// `if` conditions: facts about the host and the moment of the decision, not about the device
// (USBGuard's conditions are the model: true, false, negation, sets).
import { IOMMU_IDS } from '../../kernel/platform.js';
import { didYouMean } from '../../util/suggest.js';
import type { Condition } from './ast.js';

/** What conditions can see. */
export interface DecideContext {
  /** The device was present when the agent started (not hot-added). */
  readonly presentAtStart: boolean;
  /** The host's IOMMU, when known (sysfs: from sys/class/iommu unit names). */
  readonly iommu: string | null;
  /** Kernel command line tokens. */
  readonly cmdline: readonly string[];
  /** A TSM is registered (sys/class/tsm/tsmN, Linux 6.19). */
  readonly tsmPresent: boolean;
}

export const EMPTY_CONTEXT: DecideContext = { presentAtStart: true, iommu: null, cmdline: [], tsmPresent: false };

export interface ConditionDef {
  readonly name: string;
  readonly arg: 'none' | 'required';
  readonly help: string;
  eval(ctx: DecideContext, arg: string | null): boolean;
}

export const CONDITIONS: readonly ConditionDef[] = [
  { name: 'true', arg: 'none', help: 'always', eval: () => true },
  { name: 'false', arg: 'none', help: 'never (disables a rule)', eval: () => false },
  { name: 'present-at-start', arg: 'none', help: 'the device was there when the agent started', eval: (c) => c.presentAtStart },
  { name: 'iommu', arg: 'required', help: `the host IOMMU is ID (${IOMMU_IDS.join(', ')})`, eval: (c, a) => c.iommu === a },
  { name: 'cmdline', arg: 'required', help: 'the kernel command line has TOKEN (e.g. cmdline(iommu=pt))', eval: (c, a) => a !== null && c.cmdline.includes(a) },
  { name: 'tsm-present', arg: 'none', help: 'a TSM is registered (sys/class/tsm)', eval: (c) => c.tsmPresent },
];

export function conditionArgError(d: ConditionDef, arg: string | null): string | null {
  if (d.arg === 'none' && arg !== null) return `condition ${d.name} takes no argument`;
  if (d.arg === 'required' && arg === null) return `condition ${d.name} needs an argument: ${d.name}(…)`;
  if (d.name === 'iommu' && arg !== null && !(IOMMU_IDS as readonly string[]).includes(arg)) return `unknown IOMMU "${arg}"${didYouMean(arg, IOMMU_IDS)} (known: ${IOMMU_IDS.join(', ')})`;
  return null;
}

export function evalCondition(c: Condition, ctx: DecideContext): boolean {
  switch (c.kind) {
    case 'not':
      return !evalCondition(c.of, ctx);
    case 'set': {
      const vals = c.of.map((x) => evalCondition(x, ctx));
      return c.op === 'all-of' ? vals.every(Boolean) : c.op === 'one-of' ? vals.some(Boolean) : !vals.some(Boolean);
    }
    case 'atom':
      return CONDITIONS.find((d) => d.name === c.name)!.eval(ctx, c.arg);
  }
}
