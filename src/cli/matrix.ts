// `dmagate matrix [SCENARIO]`: variants × IOMMUs × passthrough × invariants, in parallel.
import { availableParallelism } from 'node:os';
import { jobId, mergeShards, parseShard, shardRange } from '../verify/shard.js';
import type { Command } from 'commander';
import { INPUT_LIMITS, readInputText } from '../util/read-input.js';
import { termSafe, termSafeLines } from '../util/term.js';
import { DEFAULT_MAX_STATES, defaultMaxMemoryMiB } from '../verify/bounds.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId } from '../kernel/platform.js';
import { defaultCombinations, parseCombinations } from '../verify/combinations.js';
import type { Combination } from '../verify/combinations.js';
import { bdfLookup, cellsOf, defaultJobs, jsonMatrix, runMatrix, WORK_PER_THREAD } from '../verify/matrix.js';
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
  shard?: string;
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
  const matrix = program.command('matrix');
  matrix
    .description('verify every variant combination on every IOMMU, passthrough off and on (default: 25 × 4 × 2 = 200 cells)')
    .argument('[scenario]', 'scenario file (YAML) whose platform to use; default: the built-in reference platform')
    .option('--variants <file>', 'combinations to run, one per line (`[cc-guest]` prefix, `#` comments); default: the 25 of docs/verification.md')
    .option('--iommu <ids>', `only these IOMMU platforms, comma-separated or repeated (${IOMMU_IDS.join(', ')})`, collectList)
    .option('--json', 'the machine-readable contract: {platform, cells: [{iommu, passthrough, ccGuest, variant, stats, results}]} (docs/json.md)')
    .option('--fail-on <level>', VERDICT_FAIL_ON_HELP, 'violated')
    .option('--per-cell', 'explain every violated cell on its own line (default: one line per explanation, listing its rows)')
    .option('--jobs <n>', `worker threads, this one included (default: the cores = ${defaultJobs()}, capped at one per ${WORK_PER_THREAD} cells × devices: below that a worker's start-up costs more than it saves — the default matrix runs in-process; 1 = in-process; at most the cores)`)
    .option('--invariant <ids>', 'only these invariants: ids or column codes (S1, F2, …), comma-separated or repeated', collectList)
    .option('--max-states <n>', `state bound per explored part (default ${DEFAULT_MAX_STATES}); when hit, unviolated verdicts become inconclusive`)
    .option('--max-depth <n>', 'depth bound; unviolated verdicts become inconclusive when hit')
    .option('--max-memory <MB>', `heap budget per thread (default ${defaultMaxMemoryMiB()}: 3/4 of node's heap limit, at most 2048); when hit, inconclusive`)
    .option('--no-reduce', 'explore whole products instead of independent device clusters (slow)')
    .option('--no-split-ports', 'keep root ports with their subtrees (cluster reduction only)')
    .option('--shard <i/n>', 'run only the I-th of N contiguous slices of the cells (1 <= I <= N), for batch engines; with --json the output carries what `matrix merge` needs (docs/batch.md)')
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
        '  for i in 1 2 3 4; do dmagate matrix --shard $i/4 --json > s$i.json; done; dmagate matrix merge s*.json',
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
        const shard = o.shard === undefined ? undefined : parseShard(o.shard);
        const base = await basePlatform(file);
        const all = cellsOf(combos, iommus);
        const range = shard === undefined ? { first: 0, end: all.length } : shardRange(all.length, shard);
        const cells = all.slice(range.first, range.end);
        const cellOpts = { invariants, maxStates, maxDepth, maxMemoryMiB, reduce: o.reduce, splitPorts: o.splitPorts };
        const result = await runMatrix(base.platform, cells, { ...cellOpts, jobs, onProgress: progressBar() });
        if (failsOn(failOn, result.flatMap((c) => Object.values(c.results)))) setExit(EXIT_FOUND);
        const doc = jsonMatrix(base.name, result, bdfLookup(base.platform));
        if (o.json && shard !== undefined) {
          const info = { index: shard.index, count: shard.count, total: all.length, first: range.first, job: jobId(base.platform, all, cellOpts) };
          process.stdout.write(JSON.stringify({ platform: doc.platform, shard: info, cells: doc.cells }, null, 2) + '\n');
        } else if (o.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
        else process.stdout.write(termSafeLines(matrixText(base.name, result, { perCell: o.perCell })));
      }),
    );
  matrix
    .command('merge')
    .description('merge the JSON of every `matrix --shard I/N --json` of one job into the document the unsharded `matrix --json` prints')
    .argument('<files...>', 'the shard files, in any order')
    .option('--json', 'the output is always the JSON contract (accepted for symmetry with matrix)')
    .addHelpText('after', ['', 'Refuses shards of different jobs (platform, cells, options), duplicates and gaps (exit 2).', '', 'Example:', '  dmagate matrix merge shard-*.json > matrix.json'].join('\n'))
    .action((files: string[]) =>
      guarded('matrix merge', setExit, () => {
        const docs = files.map((name) => {
          // the bounded reader: regular files or explicit pipes, size-capped; its errors are InputErrors
          const text = readInputText(name, { what: 'shard file', maxBytes: INPUT_LIMITS.dump });
          try {
            return { name, value: JSON.parse(text) as unknown };
          } catch (e) {
            throw new InputError(`${name}: not JSON (${e instanceof Error ? e.message : String(e)})`);
          }
        });
        process.stdout.write(JSON.stringify(mergeShards(docs), null, 2) + '\n');
        return Promise.resolve();
      }),
    );
}
