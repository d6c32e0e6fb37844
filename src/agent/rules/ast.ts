// The parsed rule language: a policy is settings plus rules in load order (first match wins).
import type { Pos } from './errors.js';
import type { AttrDef, Pattern } from './attributes.js';

export type Target = 'allow' | 'block' | 'reject';
export const TARGETS: readonly Target[] = ['allow', 'block', 'reject'];

export type SetOp = 'one-of' | 'all-of' | 'none-of';
export const SET_OPS: readonly SetOp[] = ['one-of', 'all-of', 'none-of'];

/** One attribute test: `id 8086:*` (op null) or `id one-of { 8086:* 15b3:* }`. */
export interface AttrTest {
  readonly attr: AttrDef;
  readonly op: SetOp | null;
  readonly values: readonly Pattern[];
  readonly pos: Pos;
}

export type DomainType = 'dma' | 'dma-fq' | 'identity';
export const DOMAIN_TYPES: readonly DomainType[] = ['dma', 'dma-fq', 'identity'];

/** What an allow does besides binding (docs/agent.md "Allow options"). */
export interface AllowOptions {
  /** Bind this driver (driver_override + bind) instead of the kernel's match (drivers_probe). */
  readonly driver?: string;
  /** The group's default domain type, written before bind (iommu_groups/N/type). */
  readonly domain?: DomainType;
  /** The D1 opt-in: ATS for a CXL.cache device only when the rule says so. */
  readonly atsOptIn?: boolean;
}

export type Condition =
  | { readonly kind: 'not'; readonly of: Condition; readonly pos: Pos }
  | { readonly kind: 'set'; readonly op: SetOp; readonly of: readonly Condition[]; readonly pos: Pos }
  | { readonly kind: 'atom'; readonly name: string; readonly arg: string | null; readonly pos: Pos };

export interface Rule {
  /** 1-based, in load order over every file. */
  readonly id: number;
  readonly target: Target;
  readonly tests: readonly AttrTest[];
  readonly options: AllowOptions;
  readonly condition: Condition | null;
  readonly label: string | null;
  /** Canonical text (formatRule), what decisions record. */
  readonly text: string;
  readonly pos: Pos;
}

export type PresentPolicy = 'apply-policy' | 'keep' | Target;
export type BridgePolicy = 'apply-policy' | 'keep' | 'allow';

export interface Settings {
  /** Target for a device no rule matches (USBGuard ImplicitPolicyTarget). */
  readonly implicitTarget: Target;
  /** Devices present when the agent starts (USBGuard PresentDevicePolicy). */
  readonly presentDevicePolicy: PresentPolicy;
  /** Bridges and ports (type 1 headers): they need MSI for AER/PME (D6–D8). */
  readonly bridgePolicy: BridgePolicy;
}

export const DEFAULT_SETTINGS: Settings = { implicitTarget: 'block', presentDevicePolicy: 'apply-policy', bridgePolicy: 'apply-policy' };

export interface Policy {
  readonly rules: readonly Rule[];
  readonly settings: Settings;
  /** Files read, in order. */
  readonly files: readonly string[];
  /** SHA-256 over the canonical settings and rule texts: decisions record it. */
  readonly digest: string;
}
