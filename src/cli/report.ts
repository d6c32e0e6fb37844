// `dmagate report --html FILE [SCENARIO]`: one self-contained HTML file (code, styles and data
// inline, no network) of the matrix, or with --variant of one cell and its counterexamples.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId } from '../kernel/platform.js';
import { parseVariant } from '../kernel/variants.js';
import { parseCombinations } from '../verify/combinations.js';
import { buildPayload } from '../web/payload.js';
import type { StartView } from '../web/payload.js';
import { assetsDir, defaultCombinationLines, docsFileUrl, pageScenario } from '../web/page.js';
import { selfContainedHtml } from '../web/report.js';
import type { SetExit } from './commands.js';
import { collectList } from './select.js';
import { guarded, InputError, parseIommu } from './options.js';

interface ReportOpts {
  html?: string;
  variant?: string;
  variants?: string;
  iommu?: string[];
  passthrough?: boolean;
  ccGuest?: boolean;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('report')
    .description('write a self-contained HTML report (opens offline) of the matrix, or of one cell with its counterexamples')
    .argument('[scenario]', 'scenario file (YAML); default: the built-in reference platform')
    .requiredOption('--html <file>', 'the HTML file to write')
    .option('--variant <v>', 'one cell: this variant (with --iommu ID, --passthrough, --cc-guest); without it, the matrix')
    .option('--variants <file>', 'matrix rows, one combination per line (as `dmagate matrix --variants`)')
    .option('--iommu <ids>', `IOMMU platform(s), comma-separated or repeated: ${IOMMU_IDS.join(', ')} (one cell: one id; default the scenario's)`, collectList)
    .option('--passthrough', 'one cell: iommu.passthrough=1')
    .option('--cc-guest', 'one cell: a confidential-compute guest')
    .addHelpText(
      'after',
      [
        '',
        'The file holds the page of `dmagate serve` with its script, styles and the platform',
        'inlined; the browser computes verdicts and counterexamples when it is opened (the same',
        'model and verifier as the CLI). Nothing is fetched: mail it, open it from disk.',
        'Exit status: 0 when written, 2 on bad input.',
        '',
        'Examples:',
        '  dmagate report --html matrix.html',
        '  dmagate report --html msi.html --iommu arm-smmu-v3 --variant mainline',
        '  dmagate report --html mine.html my-machine.yaml --iommu intel,amd',
      ].join('\n'),
    )
    .action((file: string | undefined, o: ReportOpts) =>
      guarded('report', setExit, async () => {
        const out = o.html!;
        const iommus: IommuId[] | undefined = o.iommu?.map(parseIommu);
        if (o.variant !== undefined && o.variants !== undefined) throw new InputError('give --variant (one cell) or --variants (matrix rows), not both');
        if (o.variant === undefined && (o.passthrough || o.ccGuest)) throw new InputError('--passthrough and --cc-guest choose a cell: give --variant too');
        const sc = pageScenario(file);
        let combinations = defaultCombinationLines();
        let start: StartView = { kind: 'matrix' };
        let cols: IommuId[] = iommus ?? [...IOMMU_IDS];
        if (o.variant !== undefined) {
          if (iommus !== undefined && iommus.length > 1) throw new InputError('one cell takes one --iommu');
          const v = parseVariant(o.variant);
          const iommu = iommus?.[0] ?? sc.platform.iommu;
          const cc = o.ccGuest ?? sc.platform.ccGuest;
          start = { kind: 'cell', iommu, variant: v.id, passthrough: o.passthrough ?? false, ccGuest: cc };
          combinations = [`${cc ? '[cc-guest] ' : ''}${v.id}`];
          cols = [iommu];
        } else if (o.variants !== undefined) {
          let text: string;
          try {
            text = readFileSync(o.variants, 'utf8');
          } catch (e) {
            throw new InputError(`cannot read ${o.variants}: ${e instanceof Error ? e.message : String(e)}`);
          }
          const r = parseCombinations(text);
          if (r.errors.length > 0) throw new InputError(r.errors.map((e) => `${o.variants}:${e.line}: ${e.message}`).join('\n'));
          if (r.combos.length === 0) throw new InputError(`${o.variants}: no combinations`);
          combinations = r.combos.map((c) => `${c.ccGuest ? '[cc-guest] ' : ''}${c.variantText}`);
        }
        const payload = buildPayload({
          mode: 'report',
          name: sc.name,
          file: sc.file,
          platform: sc.platform,
          variantText: sc.variantText,
          events: sc.events,
          combinations,
          iommus: cols,
          start,
          docsBase: docsFileUrl(),
          generated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        });
        const html = selfContainedHtml(assetsDir(), payload);
        try {
          writeFileSync(out, html);
        } catch (e) {
          throw new InputError(`cannot write ${out}: ${e instanceof Error ? e.message : String(e)}`);
        }
        process.stderr.write(`dmagate report: wrote ${out} (${Math.round(html.length / 1024)} KiB, self-contained)\n`);
      }),
    );
}
