// What the page starts from (served as /api/scenario, or inlined by `report --html`): the
// scenario's platform, variant and events, the matrix selection, and where the docs are.
// Pure types and one builder; shared by the server, the report writer and the front end.

import type { IommuId, Platform } from '../kernel/platform.js';
import { encodePlatform } from './platform-json.js';

/** The view a page opens on. */
export type StartView =
  | { readonly kind: 'matrix' }
  | { readonly kind: 'cell'; readonly iommu: IommuId; readonly variant: string; readonly passthrough: boolean; readonly ccGuest: boolean };

export interface PagePayload {
  readonly format: 'dmagate-web/1';
  readonly mode: 'serve' | 'report';
  readonly scenario: {
    readonly name: string;
    /** The scenario file as given on the command line; null for the built-in reference platform. */
    readonly file: string | null;
    readonly variantText: string;
    /** The scenario's events as text (`bind(cxl-accel)`), the Timeline's starting list. */
    readonly events: readonly string[];
  };
  /** encodePlatform(platform). */
  readonly platform: unknown;
  /** Matrix rows: combination lines as `dmagate matrix --variants` reads them (`[cc-guest] …`). */
  readonly combinations: readonly string[];
  readonly iommus: readonly IommuId[];
  readonly start: StartView;
  /** URL prefix of the shipped docs (`/docs/` when served; a file:// URL in a report). */
  readonly docsBase: string;
  /** The server answers /api/audit and /api/agent. */
  readonly hostApi: boolean;
  /** ISO time the report was written (reports only). */
  readonly generated?: string;
}

export interface PayloadInput {
  readonly mode: 'serve' | 'report';
  readonly name: string;
  readonly file: string | null;
  readonly platform: Platform;
  readonly variantText?: string;
  readonly events?: readonly string[];
  readonly combinations: readonly string[];
  readonly iommus: readonly IommuId[];
  readonly start?: StartView;
  readonly docsBase: string;
  readonly generated?: string;
}

export function buildPayload(i: PayloadInput): PagePayload {
  return {
    format: 'dmagate-web/1',
    mode: i.mode,
    scenario: { name: i.name, file: i.file, variantText: i.variantText ?? '', events: [...(i.events ?? [])] },
    platform: encodePlatform(i.platform),
    combinations: [...i.combinations],
    iommus: [...i.iommus],
    start: i.start ?? { kind: 'matrix' },
    docsBase: i.docsBase,
    hostApi: i.mode === 'serve',
    ...(i.generated !== undefined ? { generated: i.generated } : {}),
  };
}

/** Inlined JSON for a `<script type="application/json">`: `<` escaped so no `</script>` or
 * `<!--` in the data can end the element early. */
export function inlineJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
