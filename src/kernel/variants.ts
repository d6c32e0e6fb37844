// Kernel variants: the thread's designs as named, composable options on one model
// (VERIFICATION.md "Kernel variants"; reference §7.3 D1–D11). Never a fork of the model:
// the model reads these flags where the design changes a rule.
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

/** D4/D7/D8 parking domains (Nicolin Feb 3/18, Jason Feb 19–20). */
export const PARK_MODES = ['blocked', 'blocked-except-bridges', 'empty-dma', 'empty-dma-no-ats', 'msi-only'] as const;
export type ParkMode = (typeof PARK_MODES)[number];

/** D5: what parking does with require_direct devices (Jason/Robin Feb 3). */
export const RMR_MODES = ['keep-direct', 'blocking-domain', 'ignore'] as const;
export type RmrMode = (typeof RMR_MODES)[number];

/** Kernel profiles: data and overrides on the same model (issue 3). */
export const PROFILES = ['v7.0', 'v6.1'] as const;
export type KernelProfile = (typeof PROFILES)[number];

export interface Variant {
  /** The text it was parsed from, normalised (trimmed, no blanks); 'mainline' when empty. */
  readonly id: string;
  /** RFC patches 1–3: pci_ats_always_on consumed by SMMUv3 (P1–P6, A1–A6). */
  readonly atsAlwaysOn: boolean;
  /** D2 (Jason Jan 27/28): BLOCKED with no PASID ⇒ ATS off and Translated rejected, every vendor. */
  readonly d2BlockedMeansNoAts: boolean;
  /** D3 six-step flow with D4 parking (Jason Jan 22; Nicolin Feb 3/18). */
  readonly bootDmaSecurity: boolean;
  readonly park: ParkMode | null;
  /** D9/D10 driver DMA-mode enum (Jason Feb 24/26). */
  readonly dmaModeEnum: boolean;
  readonly rmr: RmrMode | null;
  /** D11: in a CC guest a hypervisor-given require_direct fails the device closed. */
  readonly ccVmLockOff: boolean;
  /** D1 (Dan, Kevin, Alejandro Jan 21–22): CXL.cache ATS only after userspace opt-in. */
  readonly cxlAtsOptIn: boolean;
  readonly profile: KernelProfile;
}

export const MAINLINE: Variant = {
  id: 'mainline',
  atsAlwaysOn: false,
  d2BlockedMeansNoAts: false,
  bootDmaSecurity: false,
  park: null,
  dmaModeEnum: false,
  rmr: null,
  ccVmLockOff: false,
  cxlAtsOptIn: false,
  profile: 'v7.0',
};

const FLAGS = {
  'ats-always-on': 'atsAlwaysOn',
  'd2-blocked-means-no-ats': 'd2BlockedMeansNoAts',
  'boot-dma-security': 'bootDmaSecurity',
  'dma-mode-enum': 'dmaModeEnum',
  'cc-vm-lock-off': 'ccVmLockOff',
  'cxl-ats-opt-in': 'cxlAtsOptIn',
} as const;
type FlagKey = (typeof FLAGS)[keyof typeof FLAGS];

export class VariantError extends InputError {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`variant "${input}": ${message}`);
    this.name = 'VariantError';
  }
}

/** Every option word a variant may contain, for did-you-mean. */
const VARIANT_WORDS: readonly string[] = ['mainline', ...Object.keys(FLAGS), ...PARK_MODES.map((m) => `park=${m}`), ...RMR_MODES.map((m) => `rmr=${m}`), ...PROFILES.map((m) => `profile=${m}`)];

export const VARIANT_HELP = [
  'A variant is a comma-separated list of options over the one model:',
  '  mainline                     today\'s kernel (alone)',
  ...Object.keys(FLAGS).map((f) => `  ${f}`),
  `  park=${PARK_MODES.join('|')}   (needs boot-dma-security; required with it)`,
  `  rmr=${RMR_MODES.join('|')}   (needs boot-dma-security; default keep-direct)`,
  `  profile=${PROFILES.join('|')}   (kernel profile; default v7.0)`,
  'Example: boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain',
].join('\n');

/** Parses "a,b,key=value". Throws VariantError saying why a combination makes no sense. */
export function parseVariant(text: string): Variant {
  const input = text.trim();
  const tokens = input === '' ? ['mainline'] : input.split(',').map((t) => t.trim());
  const v: { -readonly [K in keyof Variant]: Variant[K] } = { ...MAINLINE };
  const seen = new Set<string>();
  for (const tok of tokens) {
    if (tok === '') throw new VariantError(input, 'empty option (two commas in a row?)');
    const key = tok.includes('=') ? tok.slice(0, tok.indexOf('=')) : tok;
    if (seen.has(key)) throw new VariantError(input, `"${key}" is given twice`);
    seen.add(key);
    if (tok === 'mainline') {
      if (tokens.length > 1) throw new VariantError(input, '"mainline" means no options; do not combine it with others');
      continue;
    }
    if (tok in FLAGS) {
      v[FLAGS[tok as keyof typeof FLAGS] as FlagKey] = true;
      continue;
    }
    const value = tok.includes('=') ? tok.slice(tok.indexOf('=') + 1) : undefined;
    if (key === 'park' && value !== undefined) {
      if (!(PARK_MODES as readonly string[]).includes(value)) {
        throw new VariantError(input, `park=${value} is unknown${didYouMean(value, PARK_MODES)} (known: ${PARK_MODES.join(', ')})`);
      }
      v.park = value as ParkMode;
    } else if (key === 'rmr' && value !== undefined) {
      if (!(RMR_MODES as readonly string[]).includes(value)) {
        throw new VariantError(input, `rmr=${value} is unknown${didYouMean(value, RMR_MODES)} (known: ${RMR_MODES.join(', ')})`);
      }
      v.rmr = value as RmrMode;
    } else if (key === 'profile' && value !== undefined) {
      if (!(PROFILES as readonly string[]).includes(value)) {
        throw new VariantError(input, `profile=${value} is unknown${didYouMean(value, PROFILES)} (known: ${PROFILES.join(', ')})`);
      }
      v.profile = value as KernelProfile;
    } else {
      throw new VariantError(input, `unknown option "${tok}"${didYouMean(tok, VARIANT_WORDS)}\n${VARIANT_HELP}`);
    }
  }
  if (v.park !== null && !v.bootDmaSecurity) {
    throw new VariantError(input, `park=${v.park} only means something with boot-dma-security (D4 parks devices until they are accepted)`);
  }
  if (v.rmr !== null && !v.bootDmaSecurity) {
    throw new VariantError(input, `rmr=${v.rmr} only means something with boot-dma-security (D5: what parking does with require_direct devices)`);
  }
  if (v.bootDmaSecurity && v.park === null) {
    throw new VariantError(input, `boot-dma-security needs a parking domain: add park=${PARK_MODES.join('|')}`);
  }
  if (v.dmaModeEnum && v.park !== 'blocked') {
    throw new VariantError(input, 'dma-mode-enum requires boot-dma-security,park=blocked (D9: MSI_ONLY binding switches BLOCKED to an empty DMA domain)');
  }
  if (v.bootDmaSecurity && v.rmr === null) v.rmr = 'keep-direct';
  if (v.profile === 'v6.1' && (v.atsAlwaysOn || v.bootDmaSecurity || v.d2BlockedMeansNoAts || v.dmaModeEnum || v.cxlAtsOptIn || v.ccVmLockOff)) {
    throw new VariantError(input, 'profile=v6.1 models the LTS kernel as shipped; the thread\'s designs are written against v7.0 mainline');
  }
  v.id = tokens.join(',');
  return v;
}
