// The built-in reference platform (VERIFICATION.md "The reference platform"): loaded from the
// bundled scenarios/reference-platform.yaml, so the file users copy is the one we verify.

import { readFileSync } from 'node:fs';
import { formatError } from './errors.js';
import { bundledPath } from './package-root.js';
import { loadScenario } from './scenario.js';
import type { Scenario } from './scenario-types.js';
import type { Platform } from '../kernel/platform.js';

export const REFERENCE_FILE = ['scenarios', 'reference-platform.yaml'] as const;

let cached: Scenario | undefined;

/** The reference platform as a scenario (no events). Throws only if the bundled file is broken. */
export function referenceScenario(): Scenario {
  if (cached) return cached;
  const file = bundledPath(...REFERENCE_FILE);
  const r = loadScenario(readFileSync(file, 'utf8'), file);
  if (!r.scenario) {
    // Our own bug: the shipped file is tested against the loader.
    throw new Error(`bundled ${file} does not load:\n${r.errors.map(formatError).join('\n')}`);
  }
  cached = r.scenario;
  return cached;
}

export function referencePlatform(): Platform {
  return referenceScenario().platform;
}
