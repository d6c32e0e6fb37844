// `dmagate run [SCENARIO]`: folds a scenario's events through the kernel model, prints what
// the kernel did at each step (trace with rule ids) and returned, then each device's DMA
// state; checks the scenario's `expect:` (exit 1 when one fails). Format: docs/scenario.md.
import type { Command } from 'commander';
import { formatEvent, parseEvent } from '../kernel/types.js';
import type { KEvent, KernelModel, Observation } from '../kernel/types.js';
import { parseVariant } from '../kernel/variants.js';
import { formatError } from '../platform/errors.js';
import { referenceScenario } from '../platform/reference.js';
import { loadScenarioFile } from '../platform/scenario.js';
import type { Scenario } from '../platform/scenario.js';
import { simulate } from '../platform/simulate.js';
import { ByteSink } from '../util/byte-sink.js';
import { formatRun, headLines, JsonRunWriter, lines, replayText, runJson, stepText, tailLines } from './run-format.js';
import type { ReplayInfo } from './run-format.js';

import { withCcGuest, withIommu, withPassthrough } from '../platform/transform.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import type { SetExit } from './commands.js';
import { didYouMean } from '../util/suggest.js';
import { termSafe } from '../util/term.js';
import { collectList } from './select.js';
import { EXIT_BAD_INPUT, EXIT_FOUND } from './exit.js';
import { InputError } from '../util/errors.js';
import { checkReproduction, parseCounterexample, readTraceSource } from './replay.js';
import type { Counterexample } from './replay.js';

// the output functions, for callers of this module (tests, bench/run-bench.mjs)
export { deviceTable, formatRun, JsonRunWriter, replayText, runJson, stepText } from './run-format.js';
export type { ReplayInfo } from './run-format.js';

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
    keepSteps: sink === undefined,
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
