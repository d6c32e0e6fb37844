// Kernel command line as the model reads it (VERIFICATION.md "IOMMU platforms"; reference
// R1.2 pci=noats, R4.2 iommu.passthrough / iommu=pt, iommu.strict). Words the model does not
// read are kept in `raw` and listed in `unknown`; a word it does read with a value the kernel
// would reject is an error, so a typo never silently changes the default domain.

import type { Cmdline } from '../kernel/platform.js';

export interface CmdlineIssue {
  readonly word: string;
  readonly message: string;
}

export interface ParsedCmdline {
  readonly cmdline: Cmdline;
  /** Words the model does not interpret (kept in cmdline.raw). */
  readonly unknown: readonly string[];
  readonly errors: readonly CmdlineIssue[];
}

// lib/kstrtox.c: kstrtobool — what iommu.passthrough= and iommu.strict= accept.
function kstrtobool(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (['1', 'y', 'yes', 'on', 'true'].includes(s)) return true;
  if (['0', 'n', 'no', 'off', 'false'].includes(s)) return false;
  return undefined;
}

/** Parses a kernel command line. The last occurrence of a parameter wins, as in the kernel. */
export function parseCmdline(raw: string): ParsedCmdline {
  const words = raw.split(/\s+/).filter((w) => w !== '');
  const unknown: string[] = [];
  const errors: CmdlineIssue[] = [];
  let passthrough: boolean | undefined;
  let strict: boolean | undefined;
  let noats = false;
  for (const word of words) {
    const eq = word.indexOf('=');
    const key = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? undefined : word.slice(eq + 1);
    if (key === 'iommu.passthrough' || key === 'iommu.strict') {
      // drivers/iommu/iommu.c: iommu_set_def_domain_type / iommu_dma_setup (kstrtobool)
      const b = value === undefined ? undefined : kstrtobool(value);
      if (b === undefined) {
        errors.push({ word, message: `${key} takes 0 or 1 (got ${value === undefined ? 'no value' : `"${value}"`})` });
      } else if (key === 'iommu.passthrough') passthrough = b;
      else strict = b;
    } else if (key === 'iommu' && value !== undefined) {
      // arch/x86/kernel/pci-dma.c: iommu_setup — "pt" / "nopt"; the rest is not modelled
      const opts = value.split(',');
      let used = false;
      for (const o of opts) {
        if (o === 'pt') {
          passthrough = true;
          used = true;
        } else if (o === 'nopt') {
          passthrough = false;
          used = true;
        }
      }
      if (!used) unknown.push(word);
    } else if (key === 'pci' && value !== undefined) {
      // drivers/pci/pci.c: pci_setup — "noats" sets pcie_ats_disabled (R1.2)
      const opts = value.split(',');
      if (opts.includes('noats')) noats = true;
      if (opts.some((o) => o !== 'noats')) unknown.push(word);
    } else {
      unknown.push(word);
    }
  }
  const cmdline: Cmdline = {
    raw: words.join(' '),
    ...(passthrough === undefined ? {} : { passthrough }),
    ...(strict === undefined ? {} : { strict }),
    noats,
  };
  return { cmdline, unknown, errors };
}

/** The same command line with `iommu.passthrough=` replaced (or removed when `on` is undefined). */
export function setPassthrough(c: Cmdline, on: boolean | undefined): Cmdline {
  const words = c.raw.split(/\s+/).filter((w) => w !== '' && !/^iommu\.passthrough=/.test(w) && !/^iommu=(pt|nopt)$/.test(w));
  if (on !== undefined) words.push(`iommu.passthrough=${on ? 1 : 0}`);
  return parseCmdline(words.join(' ')).cmdline;
}
