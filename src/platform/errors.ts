import { termSafe } from '../util/term.js';

// Scenario errors as data (STYLE.md §3, house rule 7): a closed union of codes, the key path
// of the offending value and its position in the YAML text. Collected, never thrown.

export type ScenarioErrorCode =
  | 'YAML_SYNTAX' // the text is not YAML (or holds more than one document)
  | 'UNKNOWN_KEY' // a key the format does not define
  | 'MISSING_KEY' // a required key is absent
  | 'BAD_TYPE' // a value of the wrong type
  | 'BAD_VALUE' // a value outside its enum, pattern or range
  | 'BAD_EVENT' // an event that does not parse, or names an unknown device
  | 'BAD_VARIANT' // parseVariant rejected the variant
  | 'BAD_CMDLINE' // a kernel parameter the model reads, with a value the kernel rejects
  | 'UNKNOWN_DEVICE' // a reference (parent, physfn, dmaAliasOf, expect) to no device
  | 'DUPLICATE' // a device name or BDF given twice
  | 'BAD_ORDER' // a parent listed after its child
  | 'BAD_TOPOLOGY' // a parent that is not a bridge, a physfn without SR-IOV
  | 'DUMP'; // the dump file is unreadable, or has no such function

export type KeyPath = readonly (string | number)[];

export interface ScenarioError {
  readonly code: ScenarioErrorCode;
  readonly message: string;
  readonly path: KeyPath;
  /** Offsets [start, end) into the text, when known. */
  readonly pos?: readonly [number, number];
  /** 1-based line and column of pos[0]. */
  readonly linePos?: { readonly line: number; readonly col: number };
}

/** `devices[3].driver.dmaMode` — the key path as a reader writes it. */
export function formatPath(path: KeyPath): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? p : `.${p}`;
  }
  return s === '' ? '(top level)' : s;
}

/** `devices[3].driver.dmaMode: must be one of ... (12:17)` — for a terminal: key names and
 * messages quote the file, so control characters in them are escaped (util/term.ts). */
export function formatError(e: ScenarioError): string {
  const at = e.linePos ? ` (${e.linePos.line}:${e.linePos.col})` : '';
  return termSafe(`${formatPath(e.path)}: ${e.message}${at}`);
}
