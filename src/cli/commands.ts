// The command registry: each command lives in its own file and exports `register`.
import type { Command } from 'commander';
import { register as registerAudit } from './audit.js';
import { register as registerLspci } from './lspci.js';
import { register as registerSchema } from './schema.js';
import { register as registerRun } from './run.js';
import { register as registerVerify } from './verify.js';
import { register as registerMatrix } from './matrix.js';

export type SetExit = (code: number) => void;

export function registerCommands(_program: Command, _setExit: SetExit): void {
  // Commands are added here as they land: lspci, audit, schema, run, verify, matrix.
  registerLspci(_program, _setExit);
  registerAudit(_program, _setExit);
  registerSchema(_program, _setExit);
  registerRun(_program, _setExit);
  registerVerify(_program, _setExit);
  registerMatrix(_program, _setExit);
}
