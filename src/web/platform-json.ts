// A Platform as JSON and back, for the page: the server and `report --html` load the scenario
// in Node (YAML, dumps, JSON Schema) and hand the browser the built Platform, so the browser
// bundle needs neither node:fs nor the scenario loader. Platform is plain data except for
// config-space bytes (Uint8Array) and reserved-region addresses (bigint); both get a tagged
// object form. Pure: used by src/web (Node) and web/ (browser) alike.

import type { Platform } from '../kernel/platform.js';

const U8 = '$u8';
const BIG = '$bigint';

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s)) throw new Error('platform JSON: bad $u8 hex string');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** JSON.stringify replacer: Uint8Array → {"$u8": hex}, bigint → {"$bigint": decimal}. */
export function platformReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { [U8]: toHex(value) };
  if (typeof value === 'bigint') return { [BIG]: value.toString() };
  return value;
}

/** JSON.parse reviver undoing platformReplacer. */
export function platformReviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === U8) return fromHex(String((value as Record<string, unknown>)[U8]));
    if (keys.length === 1 && keys[0] === BIG) return BigInt(String((value as Record<string, unknown>)[BIG]));
  }
  return value;
}

export function encodePlatform(p: Platform): unknown {
  return JSON.parse(JSON.stringify(p, platformReplacer)) as unknown;
}

/** The inverse of encodePlatform (after a JSON round trip). */
export function decodePlatform(json: unknown): Platform {
  return JSON.parse(JSON.stringify(json), platformReviver) as Platform;
}
