// Variant combinations of the matrix: the default list of VERIFICATION.md ("The default
// matrix") and the `--variants FILE` syntax (one combination per line, `[cc-guest]` prefix,
// `#` comments).

import { parseVariant, VariantError } from '../kernel/variants.js';
import type { Variant } from '../kernel/variants.js';

export interface Combination {
  readonly variantText: string;
  readonly variant: Variant;
  readonly ccGuest: boolean;
}

/** VERIFICATION.md "The default matrix", verbatim. */
export const DEFAULT_COMBINATIONS_TEXT = `mainline
ats-always-on
d2-blocked-means-no-ats
ats-always-on,d2-blocked-means-no-ats
cxl-ats-opt-in
boot-dma-security,park=blocked,rmr=keep-direct
boot-dma-security,park=blocked-except-bridges,rmr=keep-direct
boot-dma-security,park=blocked-except-bridges,rmr=blocking-domain
boot-dma-security,park=empty-dma,rmr=keep-direct
boot-dma-security,park=empty-dma-no-ats,rmr=keep-direct
boot-dma-security,park=msi-only,rmr=keep-direct
boot-dma-security,park=blocked,dma-mode-enum,rmr=keep-direct
boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain
boot-dma-security,park=empty-dma-no-ats,rmr=ignore
d2-blocked-means-no-ats,boot-dma-security,park=blocked,dma-mode-enum,rmr=blocking-domain
ats-always-on,d2-blocked-means-no-ats,boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain
ats-always-on,d2-blocked-means-no-ats,boot-dma-security,park=blocked,dma-mode-enum,rmr=blocking-domain
ats-always-on,d2-blocked-means-no-ats,boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain,cxl-ats-opt-in
[cc-guest] mainline
[cc-guest] cc-vm-lock-off
[cc-guest] d2-blocked-means-no-ats,cc-vm-lock-off
[cc-guest] boot-dma-security,park=empty-dma-no-ats,rmr=keep-direct
[cc-guest] boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain
[cc-guest] boot-dma-security,park=empty-dma-no-ats,rmr=ignore
[cc-guest] boot-dma-security,park=empty-dma-no-ats,rmr=keep-direct,cc-vm-lock-off
`;

export interface CombinationError {
  readonly line: number;
  readonly message: string;
}

/** Parses a combinations list; every bad line is reported (file:line), none skipped. */
export function parseCombinations(text: string): { combos: Combination[]; errors: CombinationError[] } {
  const combos: Combination[] = [];
  const errors: CombinationError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    let line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    let ccGuest = false;
    const m = /^\[([^\]]*)\]\s*(.*)$/.exec(line);
    if (m) {
      if (m[1].trim() !== 'cc-guest') {
        errors.push({ line: i + 1, message: `unknown marker "[${m[1]}]" (only [cc-guest])` });
        return;
      }
      ccGuest = true;
      line = m[2].trim();
    }
    if (/\s/.test(line)) {
      errors.push({ line: i + 1, message: `"${line}": one combination per line, options separated by commas without blanks` });
      return;
    }
    try {
      const variant = parseVariant(line);
      combos.push({ variantText: variant.id, variant, ccGuest });
    } catch (e) {
      if (e instanceof VariantError) errors.push({ line: i + 1, message: e.message });
      else throw e;
    }
  });
  return { combos, errors };
}

export function defaultCombinations(): Combination[] {
  const r = parseCombinations(DEFAULT_COMBINATIONS_TEXT);
  if (r.errors.length > 0) throw new Error(`IMPOSSIBLE: default combinations do not parse: ${r.errors[0].message}`);
  return r.combos;
}
