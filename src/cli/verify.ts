// `dmagate verify [SCENARIO]`: every invariant over every interleaving of one cell
// (platform × IOMMU × passthrough × CC guest × variant), with shortest counterexamples.
import type { Command } from 'commander';
import { formatEvent } from '../kernel/types.js';
import { parseVariant, VARIANT_HELP } from '../kernel/variants.js';
import type { Variant } from '../kernel/variants.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import { loadBackend } from '../verify/backend.js';
import { DEFAULT_MAX_STATES, defaultMaxMemoryMiB } from '../verify/bounds.js';
import { explain } from '../verify/explain.js';
import { bdfLookup, defaultVerifyJobs, jsonCell, runCellParallel, VERIFY_THREADS_FROM_DEVICES } from '../verify/matrix.js';
import type { CellSpec } from '../verify/matrix.js';
import { mermaidDocument, replay, traceText } from '../verify/counterexample.js';
import { invariantCode } from '../verify/invariant-codes.js';
import { termSafe, termSafeLines } from '../util/term.js';
import type { SetExit } from './commands.js';
import {
  basePlatform,
  collectList,
  EXIT_FOUND,
  failsOn,
  guarded,
  InputError,
  invariantList,
  invariantListText,
  parseCount,
  parseIommu,
  parseVerdictFailOn,
  resolveInvariants,
  VERDICT_FAIL_ON_HELP,
} from './options.js';
import { statesProgress } from './progress.js';

interface VerifyOpts {
  iommu?: string;
  variant?: string;
  passthrough?: boolean;
  ccGuest?: boolean;
  invariant?: string[];
  listInvariants?: boolean;
  maxStates?: string;
  maxDepth?: string;
  maxMemory?: string;
  format?: string;
  json?: boolean;
  failOn: string;
  reduce?: boolean;
  splitPorts?: boolean;
  jobs?: string;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('verify')
    .description('check every invariant over every event interleaving of one platform/variant; shortest counterexamples')
    .argument('[scenario]', 'scenario file (YAML); default: the built-in reference platform')
    .option('--iommu <id>', `IOMMU platform: ${IOMMU_IDS.join(', ')} (default: the scenario's)`)
    .option('--variant <v>', "kernel variant, e.g. boot-dma-security,park=blocked (default: the scenario's, else mainline)")
    .option('--passthrough', 'iommu.passthrough=1 (IDENTITY default domains)')
    .option('--no-passthrough', 'iommu.passthrough=0')
    .option('--cc-guest', 'a confidential-compute guest platform (D11)')
    .option('--invariant <ids>', 'check only these invariants: ids or matrix column codes (S1, F2, …), comma-separated or repeated', collectList)
    .option('--list-invariants', 'list the invariants (column code, id, one-line meaning) and exit; with --json as JSON')
    .option('--max-states <n>', `state bound per explored part (default ${DEFAULT_MAX_STATES}); when hit, unviolated verdicts become inconclusive`)
    .option('--max-depth <n>', 'explore at most this many events deep; unviolated verdicts become inconclusive')
    .option('--max-memory <MB>', `heap budget (default ${defaultMaxMemoryMiB()}: 3/4 of node's heap limit, at most 2048); when hit, unviolated verdicts become inconclusive`)
    .option('--format <f>', 'text | json | mermaid (a Markdown document: one sequenceDiagram per violated invariant)', 'text')
    .option('--json', 'same as --format json: one cell in the `matrix --json` shape (docs/json.md)')
    .option('--fail-on <level>', VERDICT_FAIL_ON_HELP, 'violated')
    .option('--no-reduce', 'explore the whole product instead of independent device clusters')
    .option('--no-split-ports', 'keep root ports with their subtrees (cluster reduction only)')
    .option('--jobs <n>', `worker threads, this one included, exploring independent parts in parallel (default: the cores from ${VERIFY_THREADS_FROM_DEVICES} devices on, else 1 = in-process)`)
    .addHelpText(
      'after',
      [
        '',
        'SCENARIO supplies the platform (and the default variant); its events are not used:',
        'verify explores every interleaving from boot.',
        '',
        'Verdicts: holds, holds (vacuously: the premise is never reached), violated (with the',
        'shortest event sequence from boot), n/a (with why), inconclusive (a bound was hit).',
        'A counterexample shows each step with the per-device change of domain, ATS,',
        'Translated acceptance and MSI; `dmagate run --trace FILE` replays one from --json.',
        'On a terminal, progress (states, depth, rate) goes to stderr after a second.',
        '',
        'Exit status: 0 no verdict at or above --fail-on; 1 one is (by default: a violated',
        'invariant, as TLC exits non-zero on a violation); 2 bad input.',
        '',
        'Examples:',
        '  dmagate verify --list-invariants',
        '  dmagate verify --iommu arm-smmu-v3 --passthrough',
        '  dmagate verify --invariant fun.msi-works,S1 my-machine.yaml',
        '  dmagate verify --iommu arm-smmu-v3 --variant boot-dma-security,park=blocked --invariant F2',
        '  dmagate verify --iommu intel --variant d2-blocked-means-no-ats --format mermaid > cex.md',
        '  dmagate verify --iommu arm-smmu-v3 --passthrough --json > cex.json && dmagate run --trace cex.json',
        '  dmagate verify my-machine.yaml --fail-on never   # report, never fail',
        '',
        VARIANT_HELP,
      ].join('\n'),
    )
    .action((file: string | undefined, o: VerifyOpts) =>
      guarded('verify', setExit, async () => {
        const format = o.json ? 'json' : (o.format ?? 'text');
        if (!['text', 'json', 'mermaid'].includes(format)) throw new InputError(`--format wants text, json or mermaid, got "${format}"`);
        if (o.listInvariants) {
          process.stdout.write(format === 'json' ? JSON.stringify(invariantList(), null, 2) + '\n' : invariantListText());
          return;
        }
        const failOn = parseVerdictFailOn(o.failOn);
        const invariants = resolveInvariants(o.invariant);
        const maxStates = parseCount('--max-states', o.maxStates);
        const maxDepth = parseCount('--max-depth', o.maxDepth);
        const maxMemoryMiB = parseCount('--max-memory', o.maxMemory);
        const jobs = parseCount('--jobs', o.jobs);
        const iommuArg = o.iommu === undefined ? undefined : parseIommu(o.iommu);
        const variantArg = o.variant === undefined ? undefined : parseVariant(o.variant);
        const base = await basePlatform(file);
        const b = await loadBackend();
        const variant: Variant = variantArg ?? parseVariant(base.variantText ?? '');
        const spec: CellSpec = {
          iommu: iommuArg ?? base.platform.iommu,
          passthrough: o.passthrough ?? base.platform.cmdline.passthrough ?? false,
          ccGuest: o.ccGuest ?? base.platform.ccGuest,
          variant: variant.id,
        };
        const progress = statesProgress(process.stderr);
        const cell = await runCellParallel(base.platform, spec, { invariants, maxStates, maxDepth, maxMemoryMiB, reduce: o.reduce, splitPorts: o.splitPorts, onStates: progress?.onStates, jobs: jobs ?? defaultVerifyJobs(base.platform.devices.length) });
        progress?.done();
        if (failsOn(failOn, Object.values(cell.results))) setExit(EXIT_FOUND);
        if (format === 'json') {
          process.stdout.write(JSON.stringify(jsonCell(cell, bdfLookup(base.platform)), null, 2) + '\n');
          return;
        }
        const p = b.transforms.withIommu(b.transforms.withPassthrough(b.transforms.withCcGuest(base.platform, spec.ccGuest), spec.passthrough), spec.iommu);
        const title = `${spec.iommu}, ${variant.id}${spec.passthrough ? ', passthrough' : ''}${spec.ccGuest ? ', CC guest' : ''}`;
        if (format === 'mermaid') {
          const violated = Object.entries(cell.results).filter(([, r]) => r.verdict === 'violated');
          const diagrams = violated.map(([id, r]) => ({
            id,
            code: invariantCode(id),
            explanation: explain(id, { ...spec, variant }, r.trace, r.device) ?? r.detail ?? '',
            steps: replay(b.model, p, variant, r.trace ?? []).steps,
            detail: r.detail,
          }));
          process.stdout.write(mermaidDocument(`dmagate verify — platform ${base.name}, ${title}`, diagrams));
          return;
        }
        const out: string[] = [];
        const s = cell.stats;
        out.push(`dmagate verify — platform ${termSafe(base.name)}, ${spec.iommu}, passthrough ${spec.passthrough ? 'on' : 'off'}${spec.ccGuest ? ', CC guest' : ''}, variant ${variant.id}`);
        out.push(`explored ${s.states} states, ${s.transitions} transitions, depth ${s.depth}, in ${Math.round(s.ms)} ms (as ${s.clusters} independent part${s.clusters === 1 ? '' : 's'})${s.boundHit ? ` — stopped at the ${s.boundHit} bound` : ''}`);
        out.push('');
        for (const [id, r] of Object.entries(cell.results)) {
          const label = r.verdict === 'holds' && r.vacuous ? 'holds (vacuously)' : r.verdict === 'violated' ? 'VIOLATED' : r.verdict;
          const why = r.verdict === 'violated' ? explain(id, { ...spec, variant }, r.trace, r.device) : r.why;
          out.push(`  ${label.padEnd(18)} ${invariantCode(id).padEnd(3)} ${id}${why ? ` — ${why}` : ''}`);
          if (r.verdict === 'violated') {
            out.push(`      ${termSafe(r.detail ?? '')}`);
            out.push(`      trace: ${termSafe((r.trace ?? []).map(formatEvent).join(' '))}`);
            out.push(...traceText(replay(b.model, p, variant, r.trace ?? []).steps, '    ').map(termSafe));
          }
        }
        process.stdout.write(termSafeLines(out.join('\n')) + '\n'); // driver and device names are scenario text
      }),
    );
}
