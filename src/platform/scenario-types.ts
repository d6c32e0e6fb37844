// A loaded scenario: the platform, the kernel variant, the events and the expectations, all
// resolved (device names checked, event references turned into indices).

import type { DeviceObs, Errno, KEvent } from '../kernel/types.js';
import type { Variant } from '../kernel/variants.js';
import type { ScenarioError, ScenarioErrorCode, KeyPath } from './errors.js';
import type { Platform } from '../kernel/platform.js';

/** Expected DeviceObs fields of some devices (by name). */
export type DevicesExpect = Readonly<Record<string, Partial<Omit<DeviceObs, 'name'>>>>;

export interface ReturnExpect {
  /** 0-based index into `events`. */
  readonly event: number;
  readonly ok: boolean;
  /** Only when ok is false; absent means "any error". */
  readonly errno?: Errno;
}

export interface Expectations {
  readonly returns: readonly ReturnExpect[];
  /** After the last event. */
  readonly devices: DevicesExpect;
  /** After the given event (0-based index). */
  readonly after: readonly { readonly event: number; readonly devices: DevicesExpect }[];
}

export interface Scenario {
  /** The file it was loaded from (resolved dump paths are relative to it). */
  readonly file: string;
  readonly platform: Platform;
  /** The variant as written ('' when absent: mainline). */
  readonly variantText: string;
  readonly variant: Variant;
  readonly events: readonly KEvent[];
  readonly expect?: Expectations;
}

export type LoadResult = { readonly scenario: Scenario; readonly errors?: undefined } | { readonly errors: readonly ScenarioError[]; readonly scenario?: undefined };

/** An error before positions are attached. */
export interface PathIssue {
  readonly code: ScenarioErrorCode;
  readonly message: string;
  readonly path: KeyPath;
  readonly atKey?: boolean;
}
