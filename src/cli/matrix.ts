// `dmagate matrix [SCENARIO]`: variants × IOMMUs × passthrough × invariants, in parallel.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { INPUT_LIMITS, readInputText } from '../util/read-input.js';
import { termSafe, termSafeLines } from '../util/term.js';
import { DEFAULT_MAX_STATES, defaultMaxMemoryMiB } from '../verify/bounds.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId } from '../kernel/platform.js';
import { defaultCombinations, parseCombinations } from '../verify/combinations.js';
import type { Combination } from '../verify/combinations.js';
import { bdfLookup, CELLS_PER_THREAD, cellsOf, defaultJobs, jsonMatrix, runMatrix } from '../verify/matrix.js';
import { matrixText } from '../verify/matrix-text.js';
import type { SetExit } from './commands.js';
import { basePlatform, collectList, EXIT_FOUND, failsOn, guarded, InputError, parseCount, parseIommu, parseVerdictFailOn, resolveInvariants, VERDICT_FAIL_ON_HELP } from './options.js';

/** Errors listed from a --variants file; the rest are counted. */
const MAX_LISTED = 50;

interface MatrixOpts {
  variants?: string;
  iommu?: string[];
  json?: boolean;
  failOn: string;
  jobs?: string;
  invariant?: string[];
  maxStates?: string;
  maxDepth?: string;
  maxMemory?: string;
  reduce?: boolean;
  splitPorts?: boolean;
  perCell?: boolean;
}

function progressBar(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    const w = 30;
    const n = Math.round((done / total) * w);
    process.stderr.write(`\r[${'#'.repeat(n)}${'.'.repeat(w - n)}] ${done}/${total} cells`);
    if (done === total) process.stderr.write('\n');
  };
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('matrix')
    .description('verify every variant combination on every IOMMU, passthrough off and on (default: 25 × 4 × 2 = 200 cells)')
    .argument('[scenario]', 'scenario file (YAML) whose platform to use; default: the built-in reference platform')
    .option('--variants <file>', 'combinations to run, one per line (`[cc-guest]` prefix, `#` comments); default: the 25 of docs/verification.md')
    .option('--iommu <ids>', `only these IOMMU platforms, comma-separated or repeated (${IOMMU_IDS.join(', ')})`, collectList)
    .option('--json', 'the machine-readable contract: {platform, cells: [{iommu, passthrough, ccGuest, variant, stats, results}]} (docs/json.md)')
    .option('--fail-on <level>', VERDICT_FAIL_ON_HELP, 'violated')
    .option('--per-cell', 'explain every violated cell on its own line (default: one line per explanation, listing its rows)')
    .option('--jobs <n>', `threads, this one included (default: the cores = ${defaultJobs()}, capped at one per ${CELLS_PER_THREAD} cells: below that a worker's start-up costs more than it saves; 1 = in-process)`)
    .option('--invariant <ids>', 'only these invariants: ids or column codes (S1, F2, …), comma-separated or repeated', collectList)
    .option('--max-states <n>', `state bound per explored part (default ${DEFAULT_MAX_STATES}); when hit, unviolated verdicts become inconclusive`)
    .option('--max-depth <n>', 'depth bound; unviolated verdicts become inconclusive when hit')
    .option('--max-memory <MB>', `heap budget per thread (default ${defaultMaxMemoryMiB()}: 3/4 of node's heap limit, at most 2048); when hit, inconclusive`)
    .option('--no-reduce', 'explore whole products instead of independent device clusters (slow)')
    .option('--no-split-ports', 'keep root ports with their subtrees (cluster reduction only)')
    .addHelpText(
      'after',
      [
        '',
        'Prints one table per IOMMU (rows: variant × passthrough; columns: invariants), then one',
        'line per violated invariant and explanation, citing the thread, with the rows it covers',
        'and a shortest trace. A progress bar goes to stderr when stderr is a terminal.',
        'Exit status: 0 no verdict at or above --fail-on; 1 one is (by default: any violated',
        'invariant in any cell); 2 bad input.',
        '',
        'Examples:',
        '  dmagate matrix',
        '  dmagate matrix --iommu arm-smmu-v3,intel --json > matrix.json',
        '  dmagate matrix --invariant S1,F2 --fail-on never my-machine.yaml',
        '  dmagate matrix --json | head -1                      # a closed pipe ends quietly',
        '  printf "mainline\\n[cc-guest] cc-vm-lock-off\\n" > v.txt && dmagate matrix --variants v.txt',
      ].join('\n'),
    )
    .action((file: string | undefined, o: MatrixOpts) =>
      guarded('matrix', setExit, async () => {
        const failOn = parseVerdictFailOn(o.failOn);
        const invariants = resolveInvariants(o.invariant);
        let jobs = parseCount('--jobs', o.jobs);
        const cores = availableParallelism();
        if (jobs !== undefined && jobs > cores) {
          process.stderr.write(`dmagate matrix: note: --jobs ${jobs} capped at ${cores}, the cores of this machine (more threads only add memory)\n`);
          jobs = cores;
        }
        const maxStates = parseCount('--max-states', o.maxStates);
        const maxDepth = parseCount('--max-depth', o.maxDepth);
        const maxMemoryMiB = parseCount('--max-memory', o.maxMemory);
        const iommus: IommuId[] = o.iommu === undefined ? [...IOMMU_IDS] : o.iommu.map(parseIommu);
        let combos: Combination[];
        if (o.variants === undefined) combos = defaultCombinations();
        else {
          const text = readInputText(o.variants, { what: 'variants file', maxBytes: INPUT_LIMITS.variants });
          const r = parseCombinations(text);
          if (r.errors.length > 0) {
            const shown = r.errors.slice(0, MAX_LISTED).map((e) => termSafe(`${o.variants}:${e.line}: ${e.message}`));
            if (r.errors.length > MAX_LISTED) shown.push(`… and ${r.errors.length - MAX_LISTED} more`);
            throw new InputError(shown.join('\n'));
          }
          if (r.combos.length === 0) throw new InputError(`${o.variants}: no combinations`);
          combos = r.combos;
        }
        const base = await basePlatform(file);
        const cells = cellsOf(combos, iommus);
        const result = await runMatrix(base.platform, cells, { jobs, invariants, maxStates, maxDepth, maxMemoryMiB, reduce: o.reduce, splitPorts: o.splitPorts, onProgress: progressBar() });
        if (failsOn(failOn, result.flatMap((c) => Object.values(c.results)))) setExit(EXIT_FOUND);
        if (o.json) process.stdout.write(JSON.stringify(jsonMatrix(base.name, result, bdfLookup(base.platform)), null, 2) + '\n');
        else process.stdout.write(termSafeLines(matrixText(base.name, result, { perCell: o.perCell })));
      }),
    );
}
