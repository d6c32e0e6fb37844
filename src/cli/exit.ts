// The exit-code contract's constants and the error mapping every command uses, in a module
// light enough for commands that must not load the kernel model (lspci, audit, schema).
import { InputError } from '../util/errors.js';
import type { SetExit } from './commands.js';

/** 0 success; 1 found something; 2 usage, input or other trouble (src/cli/main.ts). */
export const EXIT_OK = 0;
export const EXIT_FOUND = 1;
export const EXIT_BAD_INPUT = 2;

/** Runs an action, mapping bad input (every InputError, from any layer; or what `isInput`
 * accepts) to its message on stderr and exit 2. */
export async function guardedBy(cmd: string, setExit: SetExit, f: () => Promise<void>, isInput: (e: unknown) => boolean = (e) => e instanceof InputError): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (isInput(e)) {
      process.stderr.write(`dmagate ${cmd}: ${e instanceof Error ? e.message : String(e)}\n`);
      setExit(EXIT_BAD_INPUT);
    } else throw e;
  }
}
