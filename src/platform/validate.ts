// Structural validation of a scenario against its JSON Schema (ajv, all errors), turned into
// ScenarioErrors with key paths: `devices[3].driver.dmaMode: must be one of normal, ...`.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import type { KeyPath, ScenarioErrorCode } from './errors.js';
import { bundledPath } from './package-root.js';
import { scenarioSchema } from './schema.js';

let compiled: ValidateFunction | undefined;
const load = createRequire(import.meta.url);

/** The schema's validator. From dist/ (and the bundle): the one scripts/build-fast.mjs generated
 * with Ajv's standalone code from the same build's schema (no compile at start-up, Ajv itself
 * not loaded). From src/ (tsx: tests, development) — where the generated file could be stale
 * — Ajv compiles the schema, with the same options. */
function validator(): ValidateFunction {
  if (compiled !== undefined) return compiled;
  const generated = bundledPath('dist', 'platform', 'scenario-validator.cjs');
  if (!import.meta.url.endsWith('.ts') && existsSync(generated)) return (compiled = load(generated) as ValidateFunction);
  // strict: false — the schema uses union types (integer|string) with numeric keywords on purpose.
  const { Ajv } = load('ajv') as { Ajv: typeof AjvClass };
  return (compiled = new Ajv({ allErrors: true, verbose: true, strict: false }).compile(scenarioSchema));
}

function pointerToPath(ptr: string): (string | number)[] {
  if (ptr === '') return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  return `${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

export interface SchemaIssue {
  readonly code: ScenarioErrorCode;
  readonly message: string;
  readonly path: KeyPath;
  /** Point at the key itself rather than its value (unknown keys). */
  readonly atKey: boolean;
}

function toIssue(e: ErrorObject): SchemaIssue | undefined {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      const known = props ? Object.keys(props) : [];
      return {
        code: 'UNKNOWN_KEY',
        message: `unknown key "${key}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
        path: [...path, key],
        atKey: true,
      };
    }
    case 'required':
      return { code: 'MISSING_KEY', message: 'is required', path: [...path, String(p.missingProperty)], atKey: false };
    case 'type': {
      const want = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(',');
      return {
        code: 'BAD_TYPE',
        message: `must be ${want.map((t) => TYPE_WORDS[t] ?? t).join(' or ')} (got ${describeType(e.data)})`,
        path,
        atKey: false,
      };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => (v === null ? 'null' : String(v)));
      return { code: 'BAD_VALUE', message: `must be one of ${allowed.join(', ')} (got ${describeType(e.data)})`, path, atKey: false };
    }
    case 'pattern':
      return { code: 'BAD_VALUE', message: `${describeType(e.data)} does not match ${String(p.pattern)}`, path, atKey: false };
    case 'minimum':
    case 'maximum':
      return { code: 'BAD_VALUE', message: `must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)} (got ${describeType(e.data)})`, path, atKey: false };
    case 'minLength':
      return { code: 'BAD_VALUE', message: 'must not be empty', path, atKey: false };
    case 'if':
      return undefined; // the failing branch reports its own errors
    default:
      return { code: 'BAD_VALUE', message: e.message ?? e.keyword, path, atKey: false };
  }
}

/** Schema issues of a plain JS value (from YAML or JSON), deduplicated, in document order. */
export function schemaIssues(value: unknown): SchemaIssue[] {
  const validate = validator();
  if (validate(value)) return [];
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const issue = toIssue(e);
    if (!issue) continue;
    const k = `${issue.code}|${JSON.stringify(issue.path)}|${issue.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(issue);
  }
  return out;
}
