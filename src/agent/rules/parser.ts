// Parses lexed lines into rules and settings (grammar in docs/agent.md "Rule language"):
//   rule    := TARGET test* [with OPTION+] [if COND]        TARGET := allow | block | reject
//   test    := ATTR VALUE | ATTR SETOP { VALUE+ }           SETOP := one-of | all-of | none-of
//   OPTION  := driver NAME | domain dma|dma-fq|identity | ats opt-in
//   COND    := [!] NAME [( ARG )] | SETOP { COND+ }
//   setting := set implicit-target|present-device-policy|bridge-policy VALUE
// Every error carries the file, line and column of the token at fault.
import { didYouMean } from '../../util/suggest.js';
import { ATTRIBUTE_NAMES, BARE_BOOLEAN, attribute } from './attributes.js';
import { DOMAIN_TYPES, SET_OPS, TARGETS, type AllowOptions, type AttrTest, type Condition, type DomainType, type Rule, type SetOp, type Settings, type Target } from './ast.js';
import { RuleError, type Pos } from './errors.js';
import type { Line, Token } from './lexer.js';
import { CONDITIONS, conditionArgError } from './conditions.js';

export const SETTING_VALUES: Readonly<Record<keyof Settings, readonly string[]>> = {
  implicitTarget: TARGETS,
  presentDevicePolicy: ['apply-policy', 'keep', ...TARGETS],
  bridgePolicy: ['apply-policy', 'keep', 'allow'],
};
const SETTING_NAMES: Readonly<Record<string, keyof Settings>> = {
  'implicit-target': 'implicitTarget',
  'present-device-policy': 'presentDevicePolicy',
  'bridge-policy': 'bridgePolicy',
};

export type Statement = { readonly kind: 'rule'; readonly rule: Omit<Rule, 'id'> } | { readonly kind: 'set'; readonly key: keyof Settings; readonly value: string; readonly pos: Pos };

class Cursor {
  i = 0;
  constructor(
    readonly toks: readonly Token[],
    readonly end: Pos,
  ) {}
  peek(): Token | undefined {
    return this.toks[this.i];
  }
  next(what: string): Token {
    const t = this.toks[this.i];
    if (t === undefined) throw new RuleError(this.end, `${what} expected at the end of the line`);
    this.i++;
    return t;
  }
  word(what: string): Token {
    const t = this.next(what);
    if (t.kind !== 'word' && t.kind !== 'string') throw new RuleError(t.pos, `${what} expected, got "${t.text}"`);
    return t;
  }
}

const endPos = (l: Line): Pos => {
  const last = l.tokens[l.tokens.length - 1];
  return { ...last.pos, col: last.pos.col + Math.max(1, last.text.length) };
};

const quote = (s: string): string => (/^[^\s"{}()!#\\]+$/.test(s) && s !== '' ? s : `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`);

export function formatCondition(c: Condition): string {
  if (c.kind === 'not') return `!${formatCondition(c.of)}`;
  if (c.kind === 'set') return `${c.op} { ${c.of.map(formatCondition).join(' ')} }`;
  return c.arg === null ? c.name : `${c.name}(${quote(c.arg)})`;
}

/** The canonical text of a rule: what `list`, `explain` and the store show and record. */
export function formatRule(r: Pick<Rule, 'target' | 'tests' | 'options' | 'condition' | 'label'>): string {
  const parts: string[] = [r.target];
  for (const t of r.tests) {
    const vals = t.values.map((v) => quote(v.text));
    parts.push(t.op === null ? `${t.attr.name} ${vals[0]}` : `${t.attr.name} ${t.op} { ${vals.join(' ')} }`);
  }
  if (r.label !== null && !r.tests.some((t) => t.attr.name === 'label')) parts.push(`label ${quote(r.label)}`);
  const o = r.options;
  const opts: string[] = [];
  if (o.driver !== undefined) opts.push(`driver ${quote(o.driver)}`);
  if (o.domain !== undefined) opts.push(`domain ${o.domain}`);
  if (o.atsOptIn === true) opts.push('ats opt-in');
  if (opts.length > 0) parts.push('with', ...opts);
  if (r.condition !== null) parts.push('if', formatCondition(r.condition));
  return parts.join(' ');
}

function parseTest(c: Cursor, nameTok: Token): AttrTest {
  const def = attribute(nameTok.text);
  if (def === undefined) {
    throw new RuleError(nameTok.pos, `unknown attribute "${nameTok.text}"${didYouMean(nameTok.text, ATTRIBUTE_NAMES)} (known: ${ATTRIBUTE_NAMES.join(', ')})`);
  }
  const t = c.peek();
  if (BARE_BOOLEAN.has(def.name) && (t === undefined || t.kind !== 'word' || !['yes', 'no', 'true', 'false', ...SET_OPS].includes(t.text))) {
    return { attr: def, op: null, values: [def.parse('yes', nameTok.pos)], pos: nameTok.pos };
  }
  const v = c.word(`a value for ${def.name} (${def.syntax})`);
  if (v.kind === 'word' && (SET_OPS as readonly string[]).includes(v.text)) {
    const open = c.next(`"{" after ${v.text}`);
    if (open.kind !== '{') throw new RuleError(open.pos, `"{" expected after ${v.text}, got "${open.text}"`);
    const values = [];
    for (;;) {
      const x = c.next(`a value or "}" in ${def.name} ${v.text} { … }`);
      if (x.kind === '}') break;
      if (x.kind !== 'word' && x.kind !== 'string') throw new RuleError(x.pos, `a value for ${def.name} expected, got "${x.text}"`);
      values.push(def.parse(x.text, x.pos));
    }
    if (values.length === 0) throw new RuleError(v.pos, `${def.name} ${v.text} { } is empty: give at least one value`);
    return { attr: def, op: v.text as SetOp, values, pos: nameTok.pos };
  }
  return { attr: def, op: null, values: [def.parse(v.text, v.pos)], pos: nameTok.pos };
}

function parseOptions(c: Cursor, withTok: Token, target: Target): AllowOptions {
  if (target !== 'allow') throw new RuleError(withTok.pos, `options ("with …") only make sense on allow rules, not ${target}`);
  const o: { driver?: string; domain?: DomainType; atsOptIn?: boolean } = {};
  const OPTS = ['driver', 'domain', 'ats'];
  let any = false;
  for (let t = c.peek(); t !== undefined && !(t.kind === 'word' && t.text === 'if'); t = c.peek()) {
    c.i++;
    any = true;
    if (t.kind !== 'word' || !OPTS.includes(t.text)) throw new RuleError(t.pos, `unknown allow option "${t.text}"${didYouMean(t.text, OPTS)} (known: driver NAME, domain dma|dma-fq|identity, ats opt-in)`);
    if (t.text in o || (t.text === 'ats' && o.atsOptIn !== undefined)) throw new RuleError(t.pos, `option ${t.text} given twice`);
    const v = c.word(`a value for option ${t.text}`);
    if (t.text === 'driver') {
      if (!/^[A-Za-z0-9_.-]+$/.test(v.text) || v.text.length > 64) throw new RuleError(v.pos, `driver wants a kernel driver name ([A-Za-z0-9_.-], at most 64 characters), got "${v.text}"`);
      o.driver = v.text;
    } else if (t.text === 'domain') {
      if (!(DOMAIN_TYPES as readonly string[]).includes(v.text)) throw new RuleError(v.pos, `domain wants ${DOMAIN_TYPES.join(', ')}, got "${v.text}"${didYouMean(v.text, DOMAIN_TYPES)}`);
      o.domain = v.text as DomainType;
    } else {
      if (v.text !== 'opt-in') throw new RuleError(v.pos, `ats takes opt-in (the D1 opt-in), got "${v.text}"`);
      o.atsOptIn = true;
    }
  }
  if (!any) throw new RuleError(withTok.pos, '"with" needs at least one option (driver NAME, domain TYPE, ats opt-in)');
  return o;
}

function parseCondition(c: Cursor, depth = 0): Condition {
  const t = c.next('a condition');
  if (depth > 32) throw new RuleError(t.pos, 'conditions nested too deeply');
  if (t.kind === '!') return { kind: 'not', of: parseCondition(c, depth + 1), pos: t.pos };
  if (t.kind !== 'word') throw new RuleError(t.pos, `a condition expected, got "${t.text}"`);
  if ((SET_OPS as readonly string[]).includes(t.text)) {
    const open = c.next(`"{" after ${t.text}`);
    if (open.kind !== '{') throw new RuleError(open.pos, `"{" expected after ${t.text}, got "${open.text}"`);
    const of: Condition[] = [];
    for (;;) {
      const p = c.peek();
      if (p === undefined) throw new RuleError(c.end, `"}" missing to close ${t.text} {`);
      if (p.kind === '}') {
        c.i++;
        break;
      }
      of.push(parseCondition(c, depth + 1));
    }
    if (of.length === 0) throw new RuleError(t.pos, `${t.text} { } is empty`);
    return { kind: 'set', op: t.text as SetOp, of, pos: t.pos };
  }
  const def = CONDITIONS.find((d) => d.name === t.text);
  if (def === undefined) throw new RuleError(t.pos, `unknown condition "${t.text}"${didYouMean(t.text, CONDITIONS.map((d) => d.name))} (known: ${CONDITIONS.map((d) => d.name).join(', ')})`);
  let arg: string | null = null;
  if (c.peek()?.kind === '(') {
    c.i++;
    const a = c.word(`an argument for ${t.text}(…)`);
    const close = c.next(`")" after ${t.text}(${a.text}`);
    if (close.kind !== ')') throw new RuleError(close.pos, `")" expected, got "${close.text}"`);
    arg = a.text;
  }
  const bad = conditionArgError(def, arg);
  if (bad !== null) throw new RuleError(t.pos, bad);
  return { kind: 'atom', name: t.text, arg, pos: t.pos };
}

export function parseLine(l: Line): Statement {
  const c = new Cursor(l.tokens, endPos(l));
  const first = c.next('a statement');
  if (first.kind === 'word' && first.text === 'set') {
    const k = c.word('a setting name');
    const key = SETTING_NAMES[k.text];
    if (key === undefined) throw new RuleError(k.pos, `unknown setting "${k.text}"${didYouMean(k.text, Object.keys(SETTING_NAMES))} (known: ${Object.keys(SETTING_NAMES).join(', ')})`);
    const v = c.word(`a value for ${k.text}`);
    if (!SETTING_VALUES[key].includes(v.text)) throw new RuleError(v.pos, `${k.text} wants ${SETTING_VALUES[key].join(', ')}, got "${v.text}"${didYouMean(v.text, SETTING_VALUES[key])}`);
    const extra = c.peek();
    if (extra !== undefined) throw new RuleError(extra.pos, `unexpected "${extra.text}" after the setting`);
    return { kind: 'set', key, value: v.text, pos: first.pos };
  }
  if (first.kind !== 'word' || !(TARGETS as readonly string[]).includes(first.text)) {
    throw new RuleError(first.pos, `a rule starts with allow, block or reject (or "set" for a setting), got "${first.text}"${first.kind === 'word' ? didYouMean(first.text, [...TARGETS, 'set']) : ''}`);
  }
  const target = first.text as Target;
  const tests: AttrTest[] = [];
  let options: AllowOptions = {};
  let condition: Condition | null = null;
  let label: string | null = null;
  let sawWith = false;
  const seen = new Map<string, Pos>();
  for (let t = c.peek(); t !== undefined; t = c.peek()) {
    c.i++;
    if (t.kind !== 'word') throw new RuleError(t.pos, `an attribute name expected, got "${t.text}"`);
    if (t.text === 'with') {
      if (sawWith) throw new RuleError(t.pos, '"with" given twice');
      if (condition !== null) throw new RuleError(t.pos, '"with …" goes before "if …"');
      sawWith = true;
      options = parseOptions(c, t, target);
      continue;
    }
    if (t.text === 'if') {
      condition = parseCondition(c);
      const extra = c.peek();
      if (extra !== undefined) throw new RuleError(extra.pos, `unexpected "${extra.text}" after the condition (one condition per rule; combine with all-of { … })`);
      break;
    }
    if (sawWith) throw new RuleError(t.pos, `attribute "${t.text}" after "with": attributes come first, then "with" options, then "if"`);
    const test = parseTest(c, t);
    const prev = seen.get(test.attr.name);
    if (prev !== undefined) throw new RuleError(t.pos, `attribute ${test.attr.name} given twice (first at column ${prev.col}); use one-of/all-of { … } for several values`);
    seen.set(test.attr.name, t.pos);
    if (test.attr.name === 'label') label = test.values[0].text;
    tests.push(test);
  }
  const rule = { target, tests, options, condition, label, pos: first.pos };
  return { kind: 'rule', rule: { ...rule, text: formatRule(rule) } };
}
