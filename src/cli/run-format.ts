// `dmagate run`'s output: the text (steps with their traces, the device table, expectations)
// and the --json object (docs/json.md), whole or piece by piece as the steps are taken
// (JsonRunWriter, headLines/stepText/tailLines: cli/run.ts streams them; docs/performance.md).
import { formatEvent } from '../kernel/types.js';
import type { DeviceObs } from '../kernel/types.js';
import type { Platform } from '../kernel/platform.js';
import type { SimResult, StepRecord } from '../platform/simulate.js';
import { formatBdf, parseBdf } from '../pci/bdf.js';
import { termSafe } from '../util/term.js';
import type { Counterexample, Reproduction } from './replay.js';
import type { Prepared } from './run.js';

const yn = (b: boolean): string => (b ? 'yes' : 'no');

function atsCell(d: DeviceObs): string {
  if (!d.atsEnabled) return 'off';
  return d.stu === null ? 'on' : `on (STU ${d.stu})`;
}

function notes(d: DeviceObs): string {
  const n: string[] = [];
  if (d.untrusted) n.push('untrusted');
  if (d.isVf) n.push('VF');
  if (d.requireDirect) n.push(`require_direct (RMR ${d.rmrReachable ? 'reachable' : 'NOT reachable'})`);
  if (d.accepted) n.push('accepted');
  if (d.optedIn) n.push('opted in');
  return n.join(', ');
}

/** Columns padded to their widest cell (the last one not), two spaces apart, lines trimmed.
 * Loops, not a spread of every row's cell per column (100,000 rows: docs/performance.md). */
function table(rows: readonly (readonly string[])[]): string {
  const n = rows[0].length;
  const widths = new Array<number>(n).fill(0);
  for (const r of rows) for (let i = 0; i < n; i++) if (r[i].length > widths[i]) widths[i] = r[i].length;
  const out: string[] = [];
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < r.length; i++) line += (i === 0 ? '' : '  ') + (i === r.length - 1 ? r[i] : r[i].padEnd(widths[i]));
    out.push(line.trimEnd());
  }
  return out.join('\n');
}

function platformLine(p: Platform): string {
  const pt = p.cmdline.passthrough === undefined ? 'build default' : p.cmdline.passthrough ? 'on' : 'off';
  return `${p.name} on ${p.iommu}; cmdline "${p.cmdline.raw}" (passthrough ${pt}${p.cmdline.noats ? ', pci=noats' : ''})${p.ccGuest ? '; confidential-compute guest' : ''}`;
}

/** The per-device table: domain, ATS (+STU), Translated accepted, untranslated reach, MSI, CXL.cache HPA. */
export function deviceTable(p: Platform, r: SimResult): string {
  const rows: string[][] = [['device', 'driver', 'group', 'domain', 'ATS', 'Translated', 'untranslated', 'MSI', 'CXL.cache HPA', 'notes']];
  for (const dev of p.devices) {
    const d = r.final.devices[dev.name];
    if (!d || !d.present) {
      rows.push([dev.name, '-', '-', 'not present', '-', '-', '-', '-', '-', '']);
      continue;
    }
    rows.push([
      dev.name,
      d.driver === null ? '-' : `${d.driver}${d.dmaMode && d.dmaMode !== 'normal' ? ` (${d.dmaMode})` : ''}`,
      d.group ?? '-',
      d.domain + (d.groupOwned ? ' [vfio]' : '') + (d.pasidsAttached > 0 ? ` +${d.pasidsAttached} PASID` : ''),
      atsCell(d),
      d.translatedAccepted ? 'accepted' : 'rejected',
      d.untranslated,
      d.msi,
      d.cxlCache ? yn(d.cxlHpa) : '-',
      notes(d),
    ]);
  }
  return table(rows);
}

/** The lines before the steps (each printed followed by a newline). */
export function headLines(prep: Prepared, stepCount: number): string[] {
  const sc = prep.scenario;
  const out = [`scenario: ${sc.file}`, `platform: ${platformLine(sc.platform)}`, `variant:  ${sc.variant.id}`, ''];
  if (stepCount === 0) out.push('no events: the state after boot (use -e EVENT to add some)');
  return out;
}

/** One step: its line and its trace's, each followed by a newline. */
export function stepText(s: StepRecord): string {
  let t = `[${s.index}] ${s.event} -> ${s.ret.ok ? 'ok' : `-${s.ret.errno} (${s.ret.why})`}\n`;
  for (const x of s.trace) t += `      ${x.fn}${x.dev ? `(${x.dev})` : ''}${x.rule ? ` [${x.rule}]` : ''}: ${x.detail}\n`;
  return t;
}

/** The lines after the steps: the device table, expectations. */
export function tailLines(prep: Prepared, r: SimResult): string[] {
  const out: string[] = ['', deviceTable(prep.scenario.platform, r)];
  if (prep.expectSkipped) out.push('', `expectations not checked: ${prep.expectSkipped}`);
  if (r.expectations.length > 0) {
    const failed = r.expectations.filter((e) => !e.ok);
    out.push('', `expectations: ${r.expectations.length} checked, ${failed.length === 0 ? 'all hold' : `${failed.length} FAILED`}`);
    for (const e of failed) out.push(`  FAIL ${e.what}: expected ${JSON.stringify(e.expected)}, got ${JSON.stringify(e.actual)}`);
  }
  return out;
}

export const lines = (xs: readonly string[]): string => xs.map((x) => x + '\n').join('');

export function formatRun(prep: Prepared, r: SimResult): string {
  return lines(headLines(prep, r.steps.length)) + r.steps.map(stepText).join('') + lines(tailLines(prep, r));
}

/** The replay of a --trace counterexample: where from, and whether it reproduces. */
export interface ReplayInfo {
  readonly counterexample: Counterexample;
  readonly reproduction: Reproduction;
}

export function replayText(x: ReplayInfo): string {
  const c = x.counterexample;
  const r = x.reproduction;
  const head = `replayed: ${r.code} ${r.invariant} from ${termSafe(c.source)} (${c.iommu}, passthrough ${c.passthrough ? 'on' : 'off'}${c.ccGuest ? ', CC guest' : ''}, variant ${c.variant})`;
  const verdict = r.reproduced
    ? `reproduced: ${r.invariant} is violated after [${r.step}] ${formatEvent(c.events[r.step ?? 0])}${r.detail ? `: ${termSafe(r.detail)}` : ''}`
    : `NOT reproduced: ${r.invariant} holds at every step of the replay${r.detail ? ` (${termSafe(r.detail)})` : ''}`;
  return `${head}\n${verdict}\n`;
}

function jsonDevices(prep: Prepared, r: SimResult): Record<string, unknown> {
  const bdfOf = new Map(prep.scenario.platform.devices.map((d) => [d.name, d.bdf]));
  const devices: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(r.final.devices)) {
    const bdf = bdfOf.get(name);
    const b = bdf === undefined ? null : parseBdf(bdf);
    devices[name] = b === null ? d : { ...d, bdf: formatBdf(b, true) };
  }
  return devices;
}

/** The members before `steps`, and after it, of runJson's object (docs/json.md). */
function jsonHead(prep: Prepared): Record<string, unknown> {
  const sc = prep.scenario;
  return { scenario: sc.file, platform: sc.platform.name, iommu: sc.platform.iommu, cmdline: sc.platform.cmdline.raw, ccGuest: sc.platform.ccGuest, variant: sc.variant.id };
}
function jsonTail(prep: Prepared, r: SimResult, replayed?: ReplayInfo): Record<string, unknown> {
  return {
    devices: jsonDevices(prep, r),
    expectations: r.expectations,
    ...(prep.expectSkipped ? { expectationsSkipped: prep.expectSkipped } : {}),
    ...(replayed
      ? {
          replay: {
            source: replayed.counterexample.source,
            invariant: replayed.reproduction.invariant,
            code: replayed.reproduction.code,
            reproduced: replayed.reproduction.reproduced,
            ...(replayed.reproduction.step !== undefined ? { step: replayed.reproduction.step } : {}),
            ...(replayed.reproduction.detail !== undefined ? { detail: replayed.reproduction.detail } : {}),
          },
        }
      : {}),
    ok: r.ok,
  };
}

const jsonStep = (s: StepRecord): unknown => ({ event: s.event, ret: s.ret, trace: s.trace });

export function runJson(prep: Prepared, r: SimResult, replayed?: ReplayInfo): unknown {
  return { ...jsonHead(prep), steps: r.steps.map(jsonStep), ...jsonTail(prep, r, replayed) };
}

/** `"key": value` as a member of a top-level object in `JSON.stringify(…, null, 2)`: the very
 * text JSON.stringify gives it there (its own object, less the braces). */
const member = (k: string, v: unknown): string => JSON.stringify({ [k]: v }, null, 2).slice(2, -2);
/** An element of a top-level array member (depth 2), as JSON.stringify gives it there. */
const element2 = (v: unknown): string => JSON.stringify([[v]], null, 2).slice(6, -6);

/** runJson's text, `JSON.stringify(runJson(…), null, 2) + "\n"`, written piecewise: the steps
 * as they are taken (runCommand), the rest around them; each piece is JSON.stringify's own
 * text for it at its depth, so the bytes are the same (test/scenarios/run-cli.test.ts). */
export class JsonRunWriter {
  private steps = 0;
  constructor(private readonly sink: { write(s: string): void }) {}
  head(prep: Prepared): void {
    this.sink.write('{\n');
    for (const [k, v] of Object.entries(jsonHead(prep))) this.sink.write(`${member(k, v)},\n`);
    this.sink.write('  "steps": [');
  }
  step(s: StepRecord): void {
    this.sink.write(`${this.steps++ === 0 ? '\n' : ',\n'}${element2(jsonStep(s))}`);
  }
  tail(prep: Prepared, r: SimResult, replayed?: ReplayInfo): void {
    this.sink.write(this.steps === 0 ? ']' : '\n  ]');
    for (const [k, v] of Object.entries(jsonTail(prep, r, replayed))) this.sink.write(`,\n${member(k, v)}`);
    this.sink.write('\n}\n');
  }
}
