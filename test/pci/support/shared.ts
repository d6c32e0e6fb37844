// Locates the shared dump collection at ../shared relative to the repo root (never copied in).
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DUMPS_DIR = join(REPO_ROOT, '..', 'shared', 'data', 'pci-dumps');

/** Dump names (NAME for NAME.txt), or null when the shared data is absent. */
export function dumpNames(): string[] | null {
  if (!existsSync(DUMPS_DIR)) return null;
  return readdirSync(DUMPS_DIR)
    .filter((f) => f.endsWith('.txt') && !f.includes('.lspci-'))
    .map((f) => f.slice(0, -4))
    .sort();
}

export const SKIP_MSG = `shared dumps not found at ${DUMPS_DIR} (expected ../shared next to the repo)`;
