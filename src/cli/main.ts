// dmagate CLI entry: one file per command under src/cli/, registered here.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('dmagate')
    .description(
      'Linux device-DMA policy for PCIe and CXL devices, made executable:\n' +
        'decode config space, model the kernel (PCI ATS, IOMMU core, Intel/AMD/SMMUv3, VFIO),\n' +
        'verify the LKML thread\'s designs against named invariants.',
    )
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  let code = 0;
  await registerCommands(
    program,
    (c) => {
      code = c;
    },
    argv,
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode;
    }
    process.stderr.write(`dmagate: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  return code;
}
