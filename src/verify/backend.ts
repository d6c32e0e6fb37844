// The real model and platform constructors, loaded at run time. Written by other parts of
// dmagate (src/kernel/model.ts, src/platform/{reference,transform,scenario}.ts); loaded
// through import() so the verifier builds and is tested (against toy models) before and
// independently of them, and so a missing piece is a clear message instead of a crash.

import type { KernelModel } from '../kernel/types.js';
import type { Platform, IommuId } from '../platform/types.js';
import type { Variant } from '../kernel/variants.js';

export interface PlatformTransforms {
  withIommu(p: Platform, id: IommuId): Platform;
  withPassthrough(p: Platform, on: boolean): Platform;
  withCcGuest(p: Platform, on: boolean): Platform;
}

export interface LoadedScenario {
  readonly platform: Platform;
  readonly variant: Variant;
  readonly variantText: string;
  readonly events: readonly unknown[];
}

export interface Backend {
  readonly model: KernelModel<unknown>;
  referencePlatform(): Platform;
  readonly transforms: PlatformTransforms;
}

export class BackendMissing extends Error {
  constructor(what: string) {
    super(`${what} is not available yet in this build of dmagate`);
    this.name = 'BackendMissing';
  }
}

type Mod = Record<string, unknown>;

async function tryImport(spec: string): Promise<Mod | null> {
  try {
    return (await import(spec)) as Mod;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(spec.replace(/^\.\.?\//, '').replace(/\.js$/, ''))) return null;
    throw e;
  }
}

/** Fallbacks with the documented meaning, used only while src/platform/transform.ts is
 * missing: the IOMMU id, iommu.passthrough on the command line, the CC-guest flag. */
export const FALLBACK_TRANSFORMS: PlatformTransforms = {
  withIommu: (p, id) => ({ ...p, iommu: id }),
  withPassthrough: (p, on) => ({
    ...p,
    cmdline: { ...p.cmdline, passthrough: on, raw: `${p.cmdline.raw.replace(/\s*iommu\.passthrough=\S+/g, '')} iommu.passthrough=${on ? 1 : 0}`.trim() },
  }),
  withCcGuest: (p, on) => ({ ...p, ccGuest: on }),
};

let cached: Promise<Backend> | null = null;

/** Loads the model and the reference platform; throws BackendMissing naming what is absent. */
export function loadBackend(): Promise<Backend> {
  cached ??= (async () => {
    // Variable specifiers: these modules may not exist at type-check time.
    const modelSpec = '../kernel/model.js';
    const refSpec = '../platform/reference.js';
    const trSpec = '../platform/transform.js';
    const [m, r, t] = await Promise.all([tryImport(modelSpec), tryImport(refSpec), tryImport(trSpec)]);
    if (m === null || typeof m.kernelModel !== 'object') throw new BackendMissing('the kernel model (src/kernel/model.ts: kernelModel)');
    if (r === null || typeof r.referencePlatform !== 'function') throw new BackendMissing('the reference platform (src/platform/reference.ts: referencePlatform)');
    const transforms: PlatformTransforms =
      t !== null && typeof t.withIommu === 'function' && typeof t.withPassthrough === 'function' && typeof t.withCcGuest === 'function'
        ? (t as unknown as PlatformTransforms)
        : FALLBACK_TRANSFORMS;
    return {
      model: m.kernelModel as KernelModel<unknown>,
      referencePlatform: r.referencePlatform as () => Platform,
      transforms,
    };
  })();
  cached.catch(() => {
    cached = null;
  });
  return cached;
}

/** Loads a scenario file through src/platform/scenario.ts. Errors come back as text lines. */
export async function loadScenarioFile(path: string): Promise<{ scenario: LoadedScenario } | { errors: string[] }> {
  const spec = '../platform/scenario.js';
  const s = await tryImport(spec);
  if (s === null || typeof s.loadScenarioFile !== 'function') throw new BackendMissing('the scenario loader (src/platform/scenario.ts)');
  type Err = { code: string; message: string; path?: (string | number)[]; linePos?: { line: number; col: number } };
  const r = (s.loadScenarioFile as (p: string) => { scenario?: LoadedScenario; errors?: Err[] })(path);
  if (r.scenario !== undefined) return { scenario: r.scenario };
  return {
    errors: (r.errors ?? []).map((e) => `${path}${e.linePos ? `:${e.linePos.line}:${e.linePos.col}` : ''}: ${e.code}: ${e.message}${e.path && e.path.length > 0 ? ` (at ${e.path.join('.')})` : ''}`),
  };
}
