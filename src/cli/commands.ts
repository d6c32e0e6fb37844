// The command registry: each command lives in its own file and exports `register`.
// Modules are imported lazily: a run of one command loads only that command's code
// (`dmagate lspci` does not pay for YAML, JSON Schema or the kernel model).
import type { Command } from 'commander';

export type SetExit = (code: number) => void;
type CommandModule = { register(program: Command, setExit: SetExit): void };

/** In the order `--help` lists them. */
const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  lspci: () => import('./lspci.js'),
  audit: () => import('./audit.js'),
  schema: () => import('./schema.js'),
  run: () => import('./run.js'),
  verify: () => import('./verify.js'),
  matrix: () => import('./matrix.js'),
  serve: () => import('./serve.js'),
  report: () => import('./report.js'),
  completion: () => import('./completion.js'),
  qemu: () => import('./qemu.js'),
  agent: () => import('./agent.js'),
};

/** Registers the command named first in argv, or every command (for --help, `help X`,
 * and unknown commands, so commander's own messages stay complete). */
export async function registerCommands(program: Command, setExit: SetExit, argv: readonly string[]): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return; // prints the version only: no command code
  const first = argv.find((a) => !a.startsWith('-'));
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  for (const mod of await Promise.all(names.map((n) => COMMANDS[n]()))) mod.register(program, setExit);
}
