// Scenario loader (ARCHITECTURE.md "Contracts": the scenario file). Stages, each testable
// alone (STYLE.md §3): YAML text -> Document (syntax errors with positions) -> JSON Schema
// (key paths) -> semantic checks and assembly (build-platform.ts, this file). Every error is
// collected and carries its key path and line:column; nothing is thrown for bad input.

import { Composer, LineCounter, Parser, YAMLParseError } from 'yaml';
import type { CST, Document } from 'yaml';
import { didYouMean } from '../util/suggest.js';
import { INPUT_LIMITS, readInputBytes, readInputText } from '../util/read-input.js';
import { MAX_DUMP_LINE } from '../pci/dump.js';
import { formatEvent, parseEvent } from '../kernel/types.js';
import type { Errno, KEvent } from '../kernel/types.js';
import { MAINLINE, parseVariant } from '../kernel/variants.js';
import type { Variant } from '../kernel/variants.js';
import { buildPlatform, isRec } from './build-platform.js';
import type { ScenarioError } from './errors.js';
import { OBS_KEYS } from './schema.js';
import type { DevicesExpect, Expectations, LoadResult, PathIssue, ReturnExpect, Scenario } from './scenario-types.js';
import { schemaIssues } from './validate.js';
import { jsonScenarioValue } from './json-fast.js';
import { withPos } from './yaml-pos.js';
import { cstDepthError, exactIntegers, flowDepthError, MAX_YAML_DEPTH } from './yaml-limits.js';

export type { Scenario, LoadResult, Expectations, DevicesExpect, ReturnExpect } from './scenario-types.js';

export interface LoadOptions {
  /** Reads dump files (default: the bounded reader, util/read-input.ts; each file once). */
  readonly readText?: (path: string) => string | Uint8Array;
}

/** Errors listed per scenario; the rest are counted into one "… and N more" error. */
export const MAX_SCENARIO_ERRORS = 50;

/** The first MAX_SCENARIO_ERRORS errors, then one that counts the others. */
export function capErrors(errors: readonly ScenarioError[]): ScenarioError[] {
  if (errors.length <= MAX_SCENARIO_ERRORS) return [...errors];
  const more = errors.length - MAX_SCENARIO_ERRORS;
  return [...errors.slice(0, MAX_SCENARIO_ERRORS), { code: errors[MAX_SCENARIO_ERRORS].code, message: `… and ${more} more error${more === 1 ? '' : 's'}`, path: [] }];
}

/** Dumps named by a scenario, read through the bounded reader, each path once per load. */
function dumpReader(): (path: string) => Uint8Array {
  const seen = new Map<string, Uint8Array>();
  return (path) => {
    let b = seen.get(path);
    if (b === undefined) seen.set(path, (b = readInputBytes(path, { what: 'dump', maxLine: MAX_DUMP_LINE }).bytes));
    return b;
  };
}

function buildVariant(v: unknown, issues: PathIssue[]): { text: string; variant: Variant } {
  if (v === undefined || typeof v !== 'string') return { text: '', variant: MAINLINE };
  try {
    return { text: v, variant: parseVariant(v) };
  } catch (e) {
    issues.push({ code: 'BAD_VARIANT', message: e instanceof Error ? e.message.split('\n')[0] : String(e), path: ['variant'] });
    return { text: v, variant: MAINLINE };
  }
}

/** The events; each names its device with the platform's own name string (`names`: name -> that
 * string), so the fold's name lookups compare pointers, not text (docs/performance.md "run"). */
function buildEvents(v: unknown, names: ReadonlyMap<string, string>, issues: PathIssue[]): KEvent[] {
  if (!Array.isArray(v)) return [];
  const out: KEvent[] = [];
  v.forEach((t, i) => {
    if (typeof t !== 'string') return;
    try {
      const e = parseEvent(t);
      const own = names.get(e.dev);
      // e is parseEvent's fresh object, not yet shared: its dev is swapped for an equal string
      if (own !== undefined) (e as { dev: string }).dev = own;
      else issues.push({ code: 'BAD_EVENT', message: `"${t}": no device named "${e.dev}"${didYouMean(e.dev, [...names.keys()])}`, path: ['events', i] });
      out.push(e);
    } catch (err) {
      issues.push({ code: 'BAD_EVENT', message: err instanceof Error ? err.message : String(err), path: ['events', i] });
    }
  });
  return out;
}

/** An event reference: a 0-based index, or an event's text naming exactly one event. */
function resolveEvent(ref: unknown, events: readonly KEvent[], path: (string | number)[], issues: PathIssue[]): number | undefined {
  if (typeof ref === 'number') {
    if (Number.isInteger(ref) && ref >= 0 && ref < events.length) return ref;
    issues.push({ code: 'BAD_VALUE', message: `event index ${ref} is out of range (the scenario has ${events.length} events, numbered from 0)`, path });
    return undefined;
  }
  if (typeof ref !== 'string') return undefined;
  let want: string;
  try {
    want = formatEvent(parseEvent(ref));
  } catch (err) {
    issues.push({ code: 'BAD_EVENT', message: err instanceof Error ? err.message : String(err), path });
    return undefined;
  }
  const hits = events.map((e, i) => (formatEvent(e) === want ? i : -1)).filter((i) => i >= 0);
  if (hits.length === 1) return hits[0];
  issues.push({
    code: 'BAD_EVENT',
    message: hits.length === 0 ? `"${want}" is not among the events` : `"${want}" occurs ${hits.length} times (at ${hits.join(', ')}); give the index`,
    path,
  });
  return undefined;
}

function buildDevicesExpect(v: unknown, names: ReadonlyMap<string, string>, path: (string | number)[], issues: PathIssue[]): DevicesExpect {
  const out: Record<string, Record<string, unknown>> = {};
  if (!isRec(v)) return out;
  for (const [name, fields] of Object.entries(v)) {
    if (!names.has(name)) {
      issues.push({ code: 'UNKNOWN_DEVICE', message: `no device named "${name}"${didYouMean(name, [...names.keys()])}`, path: [...path, name], atKey: true });
      continue;
    }
    if (!isRec(fields)) continue;
    out[name] = Object.fromEntries(Object.entries(fields).filter(([k]) => OBS_KEYS.includes(k)));
  }
  return out as DevicesExpect;
}

function buildExpect(v: unknown, events: readonly KEvent[], names: ReadonlyMap<string, string>, issues: PathIssue[]): Expectations | undefined {
  if (!isRec(v)) return undefined;
  const returns: ReturnExpect[] = [];
  if (Array.isArray(v.returns)) {
    v.returns.forEach((r, i) => {
      if (!isRec(r)) return;
      const path = ['expect', 'returns', i];
      const idx = resolveEvent(r.event, events, [...path, 'event'], issues);
      const errno = typeof r.errno === 'string' ? (r.errno as Errno) : undefined;
      if (errno !== undefined && r.ok === true) {
        issues.push({ code: 'BAD_VALUE', message: 'ok: true contradicts errno; give one of them', path: [...path, 'ok'] });
        return;
      }
      if (errno === undefined && typeof r.ok !== 'boolean') {
        issues.push({ code: 'MISSING_KEY', message: 'give ok: true|false or errno: E...', path });
        return;
      }
      if (idx !== undefined) returns.push({ event: idx, ok: errno === undefined ? (r.ok as boolean) : false, ...(errno ? { errno } : {}) });
    });
  }
  const after: { event: number; devices: DevicesExpect }[] = [];
  if (Array.isArray(v.after)) {
    v.after.forEach((a, i) => {
      if (!isRec(a)) return;
      const idx = resolveEvent(a.event, events, ['expect', 'after', i, 'event'], issues);
      const devices = buildDevicesExpect(a.devices, names, ['expect', 'after', i, 'devices'], issues);
      if (idx !== undefined) after.push({ event: idx, devices });
    });
  }
  return { returns, devices: buildDevicesExpect(v.devices, names, ['expect', 'devices'], issues), after };
}

/** The scenario from its plain value (issues are path-only: the caller positions them). */
function assemble(value: unknown, file: string, readText: (path: string) => string | Uint8Array, schemaChecked = false): { scenario?: Scenario; issues: PathIssue[] } {
  const issues: PathIssue[] = schemaChecked ? [] : schemaIssues(value === null || value === undefined ? {} : value).map((s) => ({ ...s }));
  const root = isRec(value) ? value : {};
  const badConfig = new Set<number>();
  for (const i of issues) {
    const [a, b, n, c] = i.path;
    if (a === 'platform' && b === 'devices' && typeof n === 'number' && c === 'config') badConfig.add(n);
  }
  const platform = buildPlatform(root.platform, { file, readText, badConfig }, issues);
  const names = new Map<string, string>();
  if (isRec(root.platform) && Array.isArray(root.platform.devices)) {
    for (const d of root.platform.devices) if (isRec(d) && typeof d.name === 'string') names.set(d.name, d.name);
  }
  const { text: variantText, variant } = buildVariant(root.variant, issues);
  const events = buildEvents(root.events, names, issues);
  const expect = buildExpect(root.expect, events, names, issues);
  if (issues.length > 0 || !platform) return { issues };
  return { scenario: { file, platform, variantText, variant, events, ...(expect ? { expect } : {}) }, issues };
}

/** A reader that reads each path once, for both of a load's paths (JSON first, then YAML). */
function onceReader(read: ((path: string) => string | Uint8Array) | undefined): (path: string) => string | Uint8Array {
  if (read === undefined) return dumpReader();
  const seen = new Map<string, string | Uint8Array>();
  return (path) => {
    let b = seen.get(path);
    if (b === undefined) seen.set(path, (b = read(path)));
    return b;
  };
}

/** A scenario from a plain value (the build's copy of the reference platform,
 * platform/reference.ts): undefined when it does not load (then load the text for the errors).
 * `schemaChecked`: the value is known to have no schema issues under this very schema (the
 * build checked it), so the validator is not run. */
export function scenarioFromValue(value: unknown, file: string, opts: LoadOptions & { readonly schemaChecked?: boolean } = {}): Scenario | undefined {
  return assemble(value, file, onceReader(opts.readText), opts.schemaChecked === true).scenario;
}

/** Loads a scenario from YAML (or JSON) text. `file` names it in errors and anchors dump paths.
 * JSON text that loads takes JSON.parse (platform/json-fast.ts); everything else, and every
 * error, comes from the YAML path below (so messages and line:column are that path's). */
export function loadScenario(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const readText = onceReader(opts.readText);
  const json = jsonScenarioValue(text);
  if (json !== undefined) {
    const r = assemble(json.value, file, readText);
    if (r.scenario) return { scenario: r.scenario };
  }
  return loadYaml(text, file, readText);
}

/** yaml's parseDocument (yaml 2.x public-api.ts) from tokens already parsed: the first document,
 * with MULTIPLE_DOCS on it when the text holds another (logLevel is not 'silent'); prettyErrors
 * false, so the errors are left as the Composer makes them. */
function composeDocument(tokens: readonly CST.Token[], length: number, lc: LineCounter): Document.Parsed {
  // the options parseDocument was given (it hands them all to its Composer)
  const composer = new Composer({ lineCounter: lc, prettyErrors: false, uniqueKeys: true, intAsBigInt: true, logLevel: 'error' });
  let doc: Document.Parsed | null = null;
  for (const d of composer.compose(tokens, true, length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError(d.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  // compose(…, forceDoc = true) ends with a document even for an empty text
  return doc as Document.Parsed;
}

/** The text as YAML: its plain value, or the syntax, depth and number errors (positioned). The
 * build uses it for its copy of the reference platform (scripts/build-fast.mjs). */
export function yamlValue(text: string): { value: unknown; doc: Document; lc: LineCounter } | { errors: ScenarioError[] } {
  const lc = new LineCounter();
  // yaml's composer recurses: refuse deep nesting from the (iterative) CST first. The CST is
  // built once, for the depth check and then for the Composer (parseDocument, written out).
  let tokens: CST.Token[] = [];
  const deep =
    flowDepthError(text) ??
    cstDepthError((tokens = Array.from(new Parser(lc.addNewLine).parse(text))));
  if (deep !== null) {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < deep.offset; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const lp = { line, col: deep.offset - lineStart + 1 };
    const shown = deep.path.length > 12 ? [...deep.path.slice(0, 12), '…'] : deep.path;
    return {
      errors: [
        {
          code: 'BAD_VALUE',
          message: `nested more than ${MAX_YAML_DEPTH} levels deep (a scenario needs at most 8): refused`,
          path: shown,
          pos: [deep.offset, deep.offset + 1],
          linePos: { line: lp.line, col: lp.col },
        },
      ],
    };
  }
  const doc = composeDocument(tokens, text.length, lc);
  if (doc.errors.length > 0) {
    return {
      errors: capErrors(
        doc.errors.map((e): ScenarioError => {
          const lp = lc.linePos(e.pos[0]);
          return { code: 'YAML_SYNTAX', message: e.message.split('\n')[0], path: [], pos: [e.pos[0], e.pos[1]], linePos: { line: lp.line, col: lp.col } };
        }),
      ),
    };
  }
  // Integers beyond 2^53 are errors, never rounded (the rest become plain numbers here).
  const numberIssues = exactIntegers(doc);
  if (numberIssues.length > 0) return { errors: capErrors(sortErrors(numberIssues.map((i) => withPos(i, doc, lc, false)))) };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), doc, lc };
  } catch (e) {
    // yaml refuses alias expansion beyond maxAliasCount (a "billion laughs" document)
    return { errors: [{ code: 'YAML_SYNTAX', message: e instanceof Error ? e.message : String(e), path: [] }] };
  }
}

/** The YAML path alone: what loadScenario answers for every text the JSON path declines or
 * that does not load (test/platform/json-fast.test.ts holds the two paths equal). */
export function loadScenarioYaml(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  return loadYaml(text, file, onceReader(opts.readText));
}

function loadYaml(text: string, file: string, readText: (path: string) => string | Uint8Array): LoadResult {
  const y = yamlValue(text);
  if ('errors' in y) return { errors: y.errors };
  const { doc, lc } = y;
  const r = assemble(y.value, file, readText);
  if (r.scenario) return { scenario: r.scenario };
  const errors = r.issues.map((i) => withPos({ code: i.code, message: i.message, path: i.path }, doc, lc, i.atKey ?? false));
  if (errors.length === 0) errors.push({ code: 'BAD_VALUE', message: 'the platform could not be built', path: ['platform'] });
  return { errors: capErrors(sortErrors(errors)) };
}

/** Document order (by position), errors without a position last; stable. */
function sortErrors(errors: ScenarioError[]): ScenarioError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.pos?.[0] ?? Infinity) - (b.e.pos?.[0] ?? Infinity) || a.i - b.i)
    .map((x) => x.e);
}

/** Reads and loads a scenario file. */
export function loadScenarioFile(path: string, opts: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = readInputText(path, { what: 'scenario', maxBytes: INPUT_LIMITS.scenario });
  } catch (e) {
    return { errors: [{ code: 'YAML_SYNTAX', message: e instanceof Error ? e.message : String(e), path: [] }] };
  }
  return loadScenario(text, path, opts);
}
