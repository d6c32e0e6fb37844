// `dmagate verify [SCENARIO]`: every invariant over every interleaving of one cell
// (platform × IOMMU × passthrough × CC guest × variant), with shortest counterexamples.
import type { Command } from 'commander';
import { formatEvent } from '../kernel/types.js';
import { parseVariant, VARIANT_HELP } from '../kernel/variants.js';
import type { Variant } from '../kernel/variants.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import { loadBackend } from '../verify/backend.js';
import { explain } from '../verify/explain.js';
import { defaultVerifyJobs, jsonCell, runCellParallel, VERIFY_THREADS_FROM_DEVICES } from '../verify/matrix.js';
import type { CellSpec } from '../verify/matrix.js';
import { mermaid, replay, traceText } from '../verify/counterexample.js';
import type { SetExit } from './commands.js';
import { basePlatform, checkInvariantIds, guarded, InputError, parseCount, parseIommu } from './options.js';

interface VerifyOpts {
  iommu?: string;
  variant?: string;
  passthrough?: boolean;
  ccGuest?: boolean;
  invariant?: string[];
  maxStates?: string;
  maxDepth?: string;
  format?: string;
  json?: boolean;
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
    .option('--invariant <id...>', 'check only these invariants (repeatable)')
    .option('--max-states <n>', 'state bound per explored part; when hit, unviolated verdicts become inconclusive')
    .option('--max-depth <n>', 'explore at most this many events deep; unviolated verdicts become inconclusive')
    .option('--format <f>', 'text | json | mermaid', 'text')
    .option('--json', 'same as --format json: one cell in the `matrix --json` shape')
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
        'Translated acceptance and MSI. Exit status: 0 when the run completes (violations are',
        'findings), 2 on bad input.',
        '',
        'Examples:',
        '  dmagate verify --iommu arm-smmu-v3 --passthrough',
        '  dmagate verify --iommu arm-smmu-v3 --variant boot-dma-security,park=blocked --invariant fun.msi-works',
        '  dmagate verify --iommu intel --variant d2-blocked-means-no-ats --format mermaid',
        '  dmagate verify my-machine.yaml --json',
        '',
        VARIANT_HELP,
      ].join('\n'),
    )
    .action((file: string | undefined, o: VerifyOpts) =>
      guarded('verify', setExit, async () => {
        const format = o.json ? 'json' : (o.format ?? 'text');
        if (!['text', 'json', 'mermaid'].includes(format)) throw new InputError(`--format wants text, json or mermaid, got "${format}"`);
        checkInvariantIds(o.invariant);
        const maxStates = parseCount('--max-states', o.maxStates);
        const maxDepth = parseCount('--max-depth', o.maxDepth);
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
        const cell = await runCellParallel(base.platform, spec, { invariants: o.invariant, maxStates, maxDepth, reduce: o.reduce, splitPorts: o.splitPorts, jobs: jobs ?? defaultVerifyJobs(base.platform.devices.length) });
        if (format === 'json') {
          process.stdout.write(JSON.stringify(jsonCell(cell), null, 2) + '\n');
          return;
        }
        const p = b.transforms.withIommu(b.transforms.withPassthrough(b.transforms.withCcGuest(base.platform, spec.ccGuest), spec.passthrough), spec.iommu);
        const violated = Object.entries(cell.results).filter(([, r]) => r.verdict === 'violated');
        if (format === 'mermaid') {
          const diagrams = violated.map(([id, r]) => ({
            id,
            text: mermaid(`${id} on ${spec.iommu}, ${variant.id}${spec.passthrough ? ', passthrough' : ''}`, replay(b.model, p, variant, r.trace ?? []).steps, { invariant: id, detail: r.detail }),
          }));
          if (diagrams.length === 1) process.stdout.write(diagrams[0].text);
          else if (diagrams.length === 0) process.stdout.write('%% no invariant is violated: nothing to draw\n');
          else for (const d of diagrams) process.stdout.write(`## ${d.id}\n\n\`\`\`mermaid\n${d.text}\`\`\`\n\n`);
          return;
        }
        const out: string[] = [];
        const s = cell.stats;
        out.push(`dmagate verify — platform ${base.name}, ${spec.iommu}, passthrough ${spec.passthrough ? 'on' : 'off'}${spec.ccGuest ? ', CC guest' : ''}, variant ${variant.id}`);
        out.push(`explored ${s.states} states, ${s.transitions} transitions, depth ${s.depth}, in ${Math.round(s.ms)} ms (as ${s.clusters} independent part${s.clusters === 1 ? '' : 's'})${s.boundHit ? ` — stopped at the ${s.boundHit} bound` : ''}`);
        out.push('');
        for (const [id, r] of Object.entries(cell.results)) {
          const label = r.verdict === 'holds' && r.vacuous ? 'holds (vacuously)' : r.verdict === 'violated' ? 'VIOLATED' : r.verdict;
          const why = r.verdict === 'violated' ? explain(id, { ...spec, variant }, r.trace, r.device) : r.why;
          out.push(`  ${label.padEnd(18)} ${id}${why ? ` — ${why}` : ''}`);
          if (r.verdict === 'violated') {
            out.push(`      ${r.detail ?? ''}`);
            out.push(`      trace: ${(r.trace ?? []).map(formatEvent).join(' ')}`);
            out.push(...traceText(replay(b.model, p, variant, r.trace ?? []).steps, '    '));
          }
        }
        process.stdout.write(out.join('\n') + '\n');
      }),
    );
}
