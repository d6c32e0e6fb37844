// Loads a policy from rule files and rules.d/ folders (each folder's *.rules files in
// lexical order, as USBGuard's RuleFolder), numbering rules in load order. Every error of
// every file is collected and thrown together as FILE:LINE:COL lines.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, type Policy, type Rule, type Settings } from './ast.js';
import { RuleError, RuleErrors } from './errors.js';
import { lex } from './lexer.js';
import { parseLine } from './parser.js';
import { InputError } from '../../util/errors.js';

export interface Source {
  readonly file: string;
  readonly text: string;
}

/** Rule files at these paths: a file as is, a folder's `*.rules` in lexical order. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`${p}: no such rule file or folder`);
    }
    if (st.isDirectory()) {
      const names = readdirSync(p)
        .filter((n) => n.endsWith('.rules'))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  return out;
}

const MAX_RULE_FILE = 4 * 1024 * 1024;

export function readSources(paths: readonly string[]): Source[] {
  return expandPaths(paths).map((file) => {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError(`${file}: not a regular file`);
    if (st.size > MAX_RULE_FILE) throw new InputError(`${file}: ${st.size} bytes is too large for a rule file (limit ${MAX_RULE_FILE})`);
    const buf = readFileSync(file);
    const text = buf.toString('utf8');
    if (text.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD'))) throw new InputError(`${file}: not UTF-8 text`);
    return { file, text };
  });
}

export function policyDigest(settings: Settings, rules: readonly Rule[]): string {
  const h = createHash('sha256');
  h.update(`dmagate-policy-v1\nimplicit-target ${settings.implicitTarget}\npresent-device-policy ${settings.presentDevicePolicy}\nbridge-policy ${settings.bridgePolicy}\n`);
  for (const r of rules) h.update(r.text + '\n');
  return 'sha256:' + h.digest('hex');
}

/** Parses sources into one policy; throws RuleErrors with every error found. */
export function parsePolicy(sources: readonly Source[], overrides: Partial<Settings> = {}): Policy {
  const errors: RuleError[] = [];
  const rules: Rule[] = [];
  const settings: { -readonly [K in keyof Settings]: Settings[K] } = { ...DEFAULT_SETTINGS };
  for (const src of sources) {
    const lines = lex(src.file, src.text, errors);
    for (const l of lines) {
      try {
        const st = parseLine(l);
        if (st.kind === 'set') (settings as Record<string, string>)[st.key] = st.value;
        else rules.push({ ...st.rule, id: rules.length + 1 });
      } catch (e) {
        if (e instanceof RuleError) errors.push(e);
        else throw e;
      }
    }
  }
  if (errors.length > 0) {
    const order = new Map(sources.map((x, i) => [x.file, i]));
    errors.sort((a, b) => (order.get(a.pos.file) ?? 0) - (order.get(b.pos.file) ?? 0) || a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    throw new RuleErrors(errors);
  }
  Object.assign(settings, Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)));
  return { rules, settings, files: sources.map((s) => s.file), digest: policyDigest(settings, rules) };
}

export function loadPolicy(paths: readonly string[], overrides: Partial<Settings> = {}): Policy {
  return parsePolicy(readSources(paths), overrides);
}
