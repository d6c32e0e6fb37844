// Links into the shipped docs (docs/verification.md, docs/scenario.md) for invariant ids,
// variants and events; `docsBase` is /docs/ when served, a file:// URL in a report.
import type { Loaded } from './engine.js';

export const invariantDoc = (l: Loaded, _id: string): string => `${l.payload.docsBase}verification.md#invariants`;
export const variantDoc = (l: Loaded): string => `${l.payload.docsBase}scenario.md#variant`;
export const eventDoc = (l: Loaded): string => `${l.payload.docsBase}scenario.md#events`;
