// dmagate CLI entry: one file per command under src/cli/, registered here.
//
// The exit-code contract, for every command (README "Exit status"):
//   0  success (nothing found at or above --fail-on);
//   1  found something: a violated invariant (verify, matrix), a failed expectation (run),
//      an audit finding at or above --fail-on;
//   2  trouble: a usage error (commander's too), bad input (every InputError, from any
//      layer), or an internal error — as grep and diff use 2, so 1 always means "found".
// A closed output pipe (`dmagate matrix --json | head -1`) ends the run quietly with 0,
// here, for every command.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';
import { InputError } from '../util/errors.js';

import { EXIT_BAD_INPUT as EXIT_TROUBLE, EXIT_OK } from './exit.js';

/** package.json's version; src/cli/ and dist/cli/ are both two levels below it. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

let pipeGuarded = false;
/** EPIPE on stdout or stderr (the reader went away, as `head` does) ends the process with
 * exit 0 and no stack trace. Installed once per process. */
export function quietOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(EXIT_OK);
      throw e;
    });
  }
}

/** The commander program with every command registered (for help, completion, the man page). */
export async function buildProgram(argv: readonly string[] = [], setExit: (c: number) => void = () => {}): Promise<Command> {
  const program = new Command();
  program
    .name('dmagate')
    .description(
      'Linux device-DMA policy for PCIe and CXL devices, made executable:\n' +
        'decode config space, model the kernel (PCI ATS, IOMMU core, Intel/AMD/SMMUv3, VFIO),\n' +
        'verify the LKML thread\'s designs against named invariants.',
    )
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      [
        '',
        'Exit status (every command): 0 success; 1 found something (a violated invariant,',
        'a failed expectation, an audit finding at or above --fail-on); 2 usage or input error.',
        'Documentation: docs/ in the package (docs/json.md: the JSON of every command); man dmagate.',
      ].join('\n'),
    );
  await registerCommands(program, setExit, argv);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  let code = EXIT_OK;
  let program: Command;
  try {
    program = await buildProgram(argv, (c) => {
      code = c;
    });
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_TROUBLE;
    if (e instanceof InputError) {
      process.stderr.write(`dmagate: ${e.message}\n`);
      return EXIT_TROUBLE;
    }
    process.stderr.write(`dmagate: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_TROUBLE;
  }
  return code;
}
