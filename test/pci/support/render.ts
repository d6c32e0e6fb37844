// Our `lspci -F NAME -vvvn` equivalent for a dump text (used by the golden tests).
import { decodeFunction } from '../../../src/pci/decode.js';
import { parseDump } from '../../../src/pci/dump.js';
import { printFunction } from '../../../src/pci/print/lspci.js';

export function renderDump(text: string, name: string, verbose = 3): string {
  const fns = parseDump(text, name).functions.map((f) => decodeFunction(f.bdf, f.config));
  const showDomain = fns.some((f) => f.bdf.domain !== 0);
  return fns.map((f) => printFunction(f, { verbose, showDomain })).join('');
}
