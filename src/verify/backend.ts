// The real model and platform constructors the CLI verifies (src/kernel/model.ts,
// src/platform/{reference,transform,scenario}.ts), behind one small interface so the matrix
// workers and tests can substitute a toy model (matrix.ts `backendModule`).

import type { KernelModel } from '../kernel/types.js';
import type { Variant } from '../kernel/variants.js';
import { kernelModel } from '../kernel/model.js';
import type { Platform, IommuId } from '../kernel/platform.js';
import { referencePlatform } from '../platform/reference.js';
import { withCcGuest, withIommu, withPassthrough } from '../platform/transform.js';
import { loadScenarioFile as loadScenario } from '../platform/scenario.js';
import { formatError } from '../platform/errors.js';

export interface PlatformTransforms {
  withIommu(p: Platform, id: IommuId): Platform;
  withPassthrough(p: Platform, on: boolean): Platform;
  withCcGuest(p: Platform, on: boolean): Platform;
}

export interface LoadedScenario {
  readonly platform: Platform;
  readonly variant: Variant;
  readonly variantText: string;
}

export interface Backend {
  readonly model: KernelModel<unknown>;
  referencePlatform(): Platform;
  readonly transforms: PlatformTransforms;
}

/** Kept for callers that report a missing model (exit 1); the model is linked statically now. */
export class BackendMissing extends Error {
  constructor(what: string) {
    super(`${what} is not available in this build of dmagate`);
    this.name = 'BackendMissing';
  }
}

/** The documented meaning of the transforms, for toy test backends that bring none. */
export const FALLBACK_TRANSFORMS: PlatformTransforms = {
  withIommu: (p, id) => ({ ...p, iommu: id }),
  withPassthrough: (p, on) => ({
    ...p,
    cmdline: { ...p.cmdline, passthrough: on, raw: `${p.cmdline.raw.replace(/\s*iommu\.passthrough=\S+/g, '')} iommu.passthrough=${on ? 1 : 0}`.trim() },
  }),
  withCcGuest: (p, on) => ({ ...p, ccGuest: on }),
};

const BACKEND: Backend = {
  // The verifier treats the model's state as opaque: KernelModel<KState> used as KernelModel<unknown>.
  model: kernelModel as unknown as KernelModel<unknown>,
  referencePlatform,
  transforms: { withIommu, withPassthrough, withCcGuest },
};

export function loadBackend(): Promise<Backend> {
  return Promise.resolve(BACKEND);
}

/** Loads a scenario file; errors come back as "file:line:col: CODE: message" lines. */
export function loadScenarioFile(path: string): Promise<{ scenario: LoadedScenario } | { errors: string[] }> {
  const r = loadScenario(path);
  if (r.scenario !== undefined) return Promise.resolve({ scenario: r.scenario });
  return Promise.resolve({ errors: r.errors.map((e) => `${path}: ${formatError(e)}`) });
}
