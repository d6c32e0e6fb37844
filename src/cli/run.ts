// `dmagate run [SCENARIO]`: folds a scenario's events through the kernel model, prints what
// the kernel did at each step (trace with rule ids) and returned, then each device's DMA
// state; checks the scenario's `expect:` (exit 1 when one fails). Format: docs/scenario.md.
import type { Command } from 'commander';
import { formatEvent, parseEvent } from '../kernel/types.js';
import type { DeviceObs, KEvent, KernelModel, Observation } from '../kernel/types.js';
import { parseVariant } from '../kernel/variants.js';
import { formatError } from '../platform/errors.js';
import { referenceScenario } from '../platform/reference.js';
import { loadScenarioFile } from '../platform/scenario.js';
import type { Scenario } from '../platform/scenario.js';
import { simulate } from '../platform/simulate.js';
import type { SimResult, StepRecord } from '../platform/simulate.js';
import { ByteSink } from '../util/byte-sink.js';
import { withCcGuest, withIommu, withPassthrough } from '../platform/transform.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import type { SetExit } from './commands.js';
import { formatBdf, parseBdf } from '../pci/bdf.js';
import { didYouMean } from '../util/suggest.js';
import { termSafe } from '../util/term.js';
import { collectList } from './select.js';
import { EXIT_BAD_INPUT, EXIT_FOUND } from './exit.js';
import { InputError } from '../util/errors.js';
import { checkReproduction, parseCounterexample, readTraceSource } from './replay.js';
import type { Counterexample, Reproduction } from './replay.js';

export interface RunOptions {
  readonly iommu?: string;
  readonly variant?: string;
  readonly passthrough?: boolean;
  readonly ccGuest?: boolean;
  readonly event?: readonly string[];
  readonly json?: boolean;
  /** A counterexample to replay: a `verify --json` file, or "-" for stdin. */
  readonly trace?: string;
  /** Which violated invariant of the --trace file (ids or column codes). */
  readonly invariant?: readonly string[];
  /** Run events the model's world guard disables (kernel/enabled.ts), with a warning. */
  readonly force?: boolean;
}

/** Exit codes: 0 ran (and every expectation held), 1 an expectation failed, 2 bad input. */
export const EXIT_FAILED = EXIT_FOUND;
export { EXIT_BAD_INPUT };

export interface Prepared {
  readonly scenario: Scenario;
  /** Why the file's expectations are not checked (options changed what they were written for). */
  readonly expectSkipped?: string;
}

/** Applies the command-line overrides; errors are messages for stderr. */
export function prepare(base: Scenario, o: RunOptions & { readonly replay?: Counterexample }): { prepared: Prepared } | { errors: string[] } {
  const errors: string[] = [];
  const changed: string[] = [];
  let platform: Platform = base.platform;
  let variant = base.variant;
  let variantText = base.variantText;
  if (o.iommu !== undefined) {
    if (!(IOMMU_IDS as readonly string[]).includes(o.iommu)) errors.push(`--iommu ${o.iommu}: must be one of ${IOMMU_IDS.join(', ')}${didYouMean(o.iommu, IOMMU_IDS)}`);
    else if (o.iommu !== platform.iommu) {
      platform = withIommu(platform, o.iommu as IommuId);
      changed.push('--iommu');
    }
  }
  if (o.passthrough !== undefined) {
    platform = withPassthrough(platform, o.passthrough);
    changed.push(o.passthrough ? '--passthrough' : '--no-passthrough');
  }
  if (o.ccGuest !== undefined && o.ccGuest !== platform.ccGuest) {
    platform = withCcGuest(platform, o.ccGuest);
    changed.push('--cc-guest');
  }
  if (o.variant !== undefined) {
    try {
      variant = parseVariant(o.variant);
      variantText = o.variant;
      if (variant.id !== base.variant.id) changed.push('--variant');
    } catch (e) {
      errors.push(`--variant: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const events: KEvent[] = o.replay !== undefined ? [...o.replay.events] : [...base.events];
  if (o.replay !== undefined) {
    for (const e of o.replay.events) {
      if (!platform.devices.some((d) => d.name === e.dev)) errors.push(`--trace ${o.replay.source}: event ${formatEvent(e)}: no device named "${e.dev}" on platform ${platform.name}${didYouMean(e.dev, platform.devices.map((d) => d.name))} (give the scenario verify ran on)`);
    }
    changed.push('--trace');
  }
  for (const t of o.event ?? []) {
    try {
      const e = parseEvent(t);
      if (!platform.devices.some((d) => d.name === e.dev)) errors.push(`--event ${t}: no device named "${e.dev}"${didYouMean(e.dev, platform.devices.map((d) => d.name))}`);
      events.push(e);
    } catch (err) {
      errors.push(`--event: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if ((o.event ?? []).length > 0) changed.push('--event');
  if (errors.length > 0) return { errors };
  const scenario: Scenario = { ...base, platform, variant, variantText, events };
  if (base.expect && changed.length > 0) {
    return { prepared: { scenario: { ...scenario, expect: undefined }, expectSkipped: `the scenario was changed by ${changed.join(', ')}` } };
  }
  return { prepared: { scenario } };
}

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
function headLines(prep: Prepared, stepCount: number): string[] {
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
function tailLines(prep: Prepared, r: SimResult): string[] {
  const out: string[] = ['', deviceTable(prep.scenario.platform, r)];
  if (prep.expectSkipped) out.push('', `expectations not checked: ${prep.expectSkipped}`);
  if (r.expectations.length > 0) {
    const failed = r.expectations.filter((e) => !e.ok);
    out.push('', `expectations: ${r.expectations.length} checked, ${failed.length === 0 ? 'all hold' : `${failed.length} FAILED`}`);
    for (const e of failed) out.push(`  FAIL ${e.what}: expected ${JSON.stringify(e.expected)}, got ${JSON.stringify(e.actual)}`);
  }
  return out;
}

const lines = (xs: readonly string[]): string => xs.map((x) => x + '\n').join('');

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

async function loadModel(): Promise<KernelModel<unknown>> {
  // Loaded on demand: `dmagate schema` and the loader work without the model.
  const { kernelModel } = await import('../kernel/model.js');
  return kernelModel as KernelModel<unknown>;
}

export interface CommandOutput {
  readonly code: number;
  /** A string, or (a scenario's run, which may be hundreds of MB) its UTF-8 bytes in chunks. */
  readonly stdout: string | readonly Uint8Array[];
  readonly stderr: string;
}

/** --trace: the counterexample, as overrides of the scenario (options that would contradict it are refused). */
function readReplay(opts: RunOptions): Counterexample | undefined {
  if (opts.trace === undefined) {
    if (opts.invariant !== undefined) throw new InputError('--invariant only chooses among the violations of a --trace file');
    return undefined;
  }
  const clash = [
    opts.iommu !== undefined ? '--iommu' : '',
    opts.variant !== undefined ? '--variant' : '',
    opts.passthrough !== undefined ? '--[no-]passthrough' : '',
    opts.ccGuest !== undefined ? '--cc-guest' : '',
    (opts.event ?? []).length > 0 ? '--event' : '',
  ].filter((x) => x !== '');
  if (clash.length > 0) throw new InputError(`--trace takes the IOMMU, passthrough, CC guest, variant and events from the counterexample; drop ${clash.join(', ')}`);
  return parseCounterexample(readTraceSource(opts.trace), opts.trace, opts.invariant);
}

/** The whole command as a function of its arguments (what the action prints and returns). */
export async function runCommand(file: string | undefined, opts: RunOptions): Promise<CommandOutput> {
  let cex: Counterexample | undefined;
  try {
    cex = readReplay(opts);
  } catch (e) {
    if (e instanceof InputError) return { code: EXIT_BAD_INPUT, stdout: '', stderr: `dmagate run: ${e.message}\n` };
    throw e;
  }
  let base: Scenario;
  if (file === undefined) base = referenceScenario();
  else {
    const r = loadScenarioFile(file);
    if (!r.scenario) return { code: EXIT_BAD_INPUT, stdout: '', stderr: r.errors.map((e) => `${file}: ${formatError(e)}\n`).join('') };
    base = r.scenario;
  }
  const o = cex === undefined ? opts : { ...opts, iommu: cex.iommu, passthrough: cex.passthrough, ccGuest: cex.ccGuest, variant: cex.variant, replay: cex };
  const p = prepare(base, o);
  if ('errors' in p) return { code: EXIT_BAD_INPUT, stdout: '', stderr: p.errors.map((e) => `dmagate run: ${e}\n`).join('') };
  const model = await loadModel();
  const sc = p.prepared.scenario;
  // issue 12: an event the explorer would never take (kernel/enabled.ts eventGuard: e.g. a probe
  // below a port that is not present) is an input error, or a warning with --force. The guard
  // sees the state each event is taken in: the simulation's own (one fold, not two).
  const { eventGuard } = await import('../kernel/enabled.js');
  const refused: string[] = [];
  // Without --trace, the output is written as the steps are taken (no trace is kept to the end).
  const sink = cex === undefined ? new ByteSink() : undefined;
  const jw = sink && opts.json ? new JsonRunWriter(sink) : undefined;
  if (sink) {
    if (jw) jw.head(p.prepared);
    else sink.write(lines(headLines(p.prepared, sc.events.length)));
  }
  const result = simulate(model, sc, {
    observeEvery: cex !== undefined,
    keepTraces: sink === undefined,
    onStep: sink === undefined ? undefined : jw ? (st) => jw.step(st) : (st) => sink.write(stepText(st)),
    before: (s, e, i) => {
      // the guard reads the model's own state type; `model` is that model (loadModel)
      const why = eventGuard(sc.platform, sc.variant, s as Parameters<typeof eventGuard>[2], e);
      if (why !== true) refused.push(`events[${i}] ${formatEvent(e)}: not possible here: ${why}`);
    },
  });
  if (refused.length > 0 && !opts.force) {
    return { code: EXIT_BAD_INPUT, stdout: '', stderr: refused.map((w) => `dmagate run: ${termSafe(w)} (--force runs it anyway)\n`).join('') };
  }
  const warnings = refused.map((w) => `dmagate run: warning: ${termSafe(w)}; run anyway (--force)\n`).join('');
  let replayed: ReplayInfo | undefined;
  if (cex !== undefined) {
    replayed = { counterexample: cex, reproduction: checkReproduction(model, sc.platform, sc.variant, cex.invariant, sc.events, result.steps, result.steps.map((_, i) => result.observedAfter.get(i) as Observation)) };
  }
  let stdout: string | readonly Uint8Array[];
  if (sink) {
    if (jw) jw.tail(p.prepared, result);
    else sink.write(lines(tailLines(p.prepared, result)));
    stdout = sink.chunks();
  } else stdout = opts.json ? JSON.stringify(runJson(p.prepared, result, replayed), null, 2) + '\n' : formatRun(p.prepared, result) + (replayed ? '\n' + replayText(replayed) : '');
  const found = !result.ok || replayed?.reproduction.reproduced === true;
  return { code: found ? EXIT_FOUND : 0, stdout, stderr: warnings };
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('run')
    .description('fold a scenario\'s events through the kernel model and show each device\'s DMA state')
    .addHelpText(
      'after',
      [
        '',
        'Prints, per event, what the kernel did (trace with rule ids) and returned; then per device:',
        'domain, ATS (+STU), Translated acceptance, untranslated reach, MSI, CXL.cache HPA.',
        'Without SCENARIO: the built-in reference platform with no events (add some with -e).',
        'The scenario\'s expect: is checked unless an option changed the scenario.',
        '',
        '--trace FILE replays a counterexample of `dmagate verify --json` (FILE, or - for stdin):',
        'its events, IOMMU, passthrough, CC guest and variant; give the SCENARIO verify ran on',
        '(default: the reference platform). It then says whether the violation reproduces.',
        '',
        'An event that cannot happen in that state (the model\'s world guard: a device probed before',
        'its upstream port, bind of a bound device, ...) is an input error naming why; --force runs it.',
        '',
        'Exit status: 0 ran, every expectation held (and a --trace violation did not reproduce);',
        '1 an expectation failed or the --trace violation reproduced; 2 bad input.',
        '',
        'Examples:',
        '  dmagate run -e \'probe(rp-cxl)\' -e \'probe(cxl-accel)\' --passthrough',
        '  dmagate run scenarios/golden/15-smmu-identity-no-ats.yaml --json',
        '  dmagate verify --iommu arm-smmu-v3 --passthrough --json | dmagate run --trace - --invariant F1',
      ].join('\n'),
    )
    .argument('[scenario]', 'scenario file (YAML; docs/scenario.md)')
    .option('--iommu <id>', `IOMMU platform: ${IOMMU_IDS.join(', ')}`)
    .option('--variant <v>', 'kernel variant, e.g. boot-dma-security,park=blocked')
    .option('--passthrough', 'set iommu.passthrough=1')
    .option('--no-passthrough', 'set iommu.passthrough=0')
    .option('--cc-guest', 'make the platform a confidential-compute guest')
    .option('-e, --event <event>', 'append an event, e.g. probe(rp-cxl) (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--trace <file>', 'replay a counterexample from `dmagate verify --json` (- for stdin)')
    .option('--invariant <ids>', 'with --trace: which violated invariant to replay (id or column code)', collectList)
    .option('--json', 'machine-readable output (docs/json.md)')
    .option('--force', 'run events the model says cannot happen there (e.g. a probe below an absent port), with a warning')
    .action(async (file: string | undefined, opts: RunOptions) => {
      const r = await runCommand(file, opts);
      if (typeof r.stdout === 'string') {
        if (r.stdout) process.stdout.write(r.stdout);
      } else for (const c of r.stdout) process.stdout.write(c);
      if (r.stderr) process.stderr.write(r.stderr);
      setExit(r.code);
    });
}
