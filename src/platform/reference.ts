// The built-in reference platform (VERIFICATION.md "The reference platform"): loaded from the
// bundled scenarios/reference-platform.yaml, so the file users copy is the one we verify.
// The build (scripts/build-fast.mjs) also writes dist/platform/reference-platform.json: the
// YAML's value as the YAML path reads it, with the YAML text it came from. It is used only
// while that text equals the bundled file's (so an edited YAML is never shadowed by a stale
// copy) and saves every `matrix`/`verify`/`run` the YAML parse (≈ 35 ms; docs/performance.md),
// and the schema check while the build's schema is this code's.

import { existsSync, readFileSync } from 'node:fs';
import { formatError } from './errors.js';
import { bundledPath } from './package-root.js';
import { loadScenario, scenarioFromValue } from './scenario.js';
import { scenarioSchema } from './schema.js';
import type { Scenario } from './scenario-types.js';
import type { Platform } from '../kernel/platform.js';

export const REFERENCE_FILE = ['scenarios', 'reference-platform.yaml'] as const;
/** The build's copy (scripts/build-fast.mjs writes it; `{ source, value }`). */
export const REFERENCE_PREBUILT = ['dist', 'platform', 'reference-platform.json'] as const;

export interface PrebuiltReference {
  /** The YAML text the value was read from. */
  readonly source: string;
  /** Its value (platform/scenario.ts yamlValue). */
  readonly value: unknown;
  /** JSON of the scenario schema the build found the value valid under (the validator is
   * skipped while it is this code's schema). */
  readonly schema?: string;
}

let cached: Scenario | undefined;

/** The prebuilt value when it was made from exactly `yamlText`, else undefined; `schemaChecked`
 * when the build validated it against exactly this code's schema. */
export function prebuiltValue(prebuilt: unknown, yamlText: string): { readonly value: unknown; readonly schemaChecked: boolean } | undefined {
  if (typeof prebuilt !== 'object' || prebuilt === null) return undefined;
  const p = prebuilt as Partial<PrebuiltReference>;
  if (p.source !== yamlText || !('value' in p)) return undefined;
  return { value: p.value, schemaChecked: typeof p.schema === 'string' && p.schema === JSON.stringify(scenarioSchema) };
}

function readPrebuilt(): unknown {
  const f = bundledPath(...REFERENCE_PREBUILT);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return undefined; // a damaged build artefact: the YAML is the source anyway
  }
}

/** The reference scenario from its YAML text, through the build's copy when it is of that text. */
export function loadReference(yamlText: string, file: string, prebuilt: unknown): Scenario {
  const pre = prebuiltValue(prebuilt, yamlText);
  const fast = pre === undefined ? undefined : scenarioFromValue(pre.value, file, { schemaChecked: pre.schemaChecked });
  if (fast !== undefined) return fast;
  const r = loadScenario(yamlText, file);
  if (!r.scenario) {
    // Our own bug: the shipped file is tested against the loader.
    throw new Error(`bundled ${file} does not load:\n${r.errors.map(formatError).join('\n')}`);
  }
  return r.scenario;
}

/** The reference platform as a scenario (no events). Throws only if the bundled file is broken. */
export function referenceScenario(): Scenario {
  if (cached) return cached;
  const file = bundledPath(...REFERENCE_FILE);
  cached = loadReference(readFileSync(file, 'utf8'), file, readPrebuilt());
  return cached;
}

export function referencePlatform(): Platform {
  return referenceScenario().platform;
}
