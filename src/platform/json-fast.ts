// The JSON fast path of the scenario loader (issue 13, docs/performance.md "run"): a scenario
// whose text is JSON is parsed by JSON.parse (native, ≈ 20× the `yaml` library's speed on a
// 24 MB file) instead of yaml's Document with positions. JSON is YAML, so the value is the one
// the YAML path would compute — but only for JSON that the YAML path would accept unchanged.
// This file answers "the value, or undefined": undefined whenever the text is not JSON, or is
// JSON the YAML path treats differently or refuses — duplicate keys (YAML: "Map keys must be
// unique", JSON.parse keeps the last), integers beyond 2^53 (YAML: an error, JSON.parse rounds),
// -0 (YAML's int reads 0), nesting near MAX_YAML_DEPTH, a `__proto__` key, characters YAML
// does not print, implicit keys YAML limits (over 1024 characters, or on another line than
// their ":"). The caller (scenario.ts) then takes the YAML path, so every error message, key
// path and line:column stays that path's. test/platform/json-fast.test.ts compares both paths.

import { MAX_YAML_DEPTH } from './yaml-limits.js';

/** YAML's c-printable excludes C0 controls other than tab/LF/CR, DEL, the C1 controls but NEL,
 * surrogates (pairs included here: astral characters take the YAML path), U+FFFE/U+FFFF; a BOM
 * mid-text too. Tabs and CR are JSON whitespace that YAML treats specially in places: also out. */
const NOT_PLAIN = /[\x00-\x09\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]/;
/** \u escapes of surrogates (YAML's escape decoder and JSON.parse could pair them differently). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** yaml's limit on implicit keys (YAML 1.2 §7.4.3 ns-s-implicit-yaml-key: at most 1024 characters). */
const MAX_KEY_CHARS = 1024;

/** Keys in a text JSON.parse accepted: a string followed by ":" (outside strings there are no
 * quotes, so every '"' found from outside a string opens one). -1 for a key YAML would read
 * otherwise (over MAX_KEY_CHARS, or its ":" on another line). */
function textKeys(text: string): number {
  let keys = 0;
  let i = text.indexOf('"');
  while (i >= 0) {
    // the closing quote: the next '"' not escaped (an odd run of backslashes before it)
    let j = text.indexOf('"', i + 1);
    for (;;) {
      let k = j - 1;
      while (text.charCodeAt(k) === 0x5c) k--;
      if ((j - 1 - k) % 2 === 0) break;
      j = text.indexOf('"', j + 1);
    }
    let k = j + 1;
    let c = text.charCodeAt(k);
    while (c === 0x20 || c === 0x0a) {
      if (c === 0x0a) {
        // a value string at the end of a line, or a key whose ":" is on a later line
        while (c === 0x20 || c === 0x0a) c = text.charCodeAt(++k);
        if (c === 0x3a) return -1;
        break;
      }
      c = text.charCodeAt(++k);
    }
    if (c === 0x3a) {
      if (j - i - 1 > MAX_KEY_CHARS) return -1;
      keys++;
    }
    i = text.indexOf('"', k);
  }
  return keys;
}

/** Keys in the parsed value, or -1 when it holds something the YAML path reads otherwise
 * (unsafe integers, -0) or nests too deeply for it. Iterative: no input exhausts the stack. */
function valueKeys(value: unknown): number {
  let keys = 0;
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'number') {
      if ((Number.isInteger(v) && !Number.isSafeInteger(v)) || Object.is(v, -0)) return -1;
    } else if (typeof v === 'object' && v !== null) {
      // yaml-limits.ts refuses a collection at depth MAX_YAML_DEPTH + 1; stay clear of it
      if (depth + 1 >= MAX_YAML_DEPTH) return -1;
      if (Array.isArray(v)) {
        for (const x of v) if (typeof x === 'object' || typeof x === 'number') stack.push({ v: x, depth: depth + 1 });
      } else {
        for (const k in v) {
          keys++;
          const x = (v as Record<string, unknown>)[k];
          if (typeof x === 'object' || typeof x === 'number') stack.push({ v: x, depth: depth + 1 });
        }
      }
    }
  }
  return keys;
}

/** The value of a JSON mapping text, when the YAML path would read exactly this value and
 * nothing it refuses; undefined otherwise (then take the YAML path). */
export function jsonScenarioValue(text: string): { readonly value: unknown } | undefined {
  let start = 0;
  while (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x0a) start++;
  if (text.charCodeAt(start) !== 0x7b) return undefined; // a scenario is a mapping: "{"
  if (NOT_PLAIN.test(text) || SURROGATE_ESCAPE.test(text) || text.includes('__proto__')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const inText = textKeys(text);
  if (inText < 0) return undefined;
  // JSON.parse keeps the last of duplicate keys: fewer keys in the value than in the text
  return valueKeys(value) === inText ? { value } : undefined;
}
