// `dmagate schema [--out FILE]`: prints the scenario file's JSON Schema (docs/scenario.md).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { scenarioSchema } from '../platform/schema.js';
import type { SetExit } from './commands.js';
import { EXIT_BAD_INPUT } from './exit.js';

export function schemaText(): string {
  return JSON.stringify(scenarioSchema, null, 2) + '\n';
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('schema')
    .description('print the JSON Schema of scenario files (see docs/scenario.md)')
    .option('-o, --out <file>', 'write it to FILE instead of stdout')
    .addHelpText('after', '\nExit status: 0 printed or written; 2 FILE cannot be written.\nExample: dmagate schema -o scenario.schema.json')
    .action((opts: { out?: string }) => {
      if (opts.out === undefined) {
        process.stdout.write(schemaText());
        return;
      }
      try {
        writeFileSync(opts.out, schemaText());
      } catch (e) {
        process.stderr.write(`dmagate schema: cannot write ${opts.out}: ${e instanceof Error ? e.message : String(e)}\n`);
        setExit(EXIT_BAD_INPUT); // trouble, not a finding (exit-code contract, src/cli/main.ts)
      }
    });
}
