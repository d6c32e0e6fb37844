// The page's starting data, built in Node for `dmagate serve` and `dmagate report --html`:
// the scenario (a file, or the built-in reference platform) with its events, and the
// locations of the built front end and the shipped docs.

import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatEvent } from '../kernel/types.js';
import type { Platform } from '../kernel/platform.js';
import { formatError } from '../platform/errors.js';
import { bundledPath } from '../platform/package-root.js';
import { referenceScenario } from '../platform/reference.js';
import { loadScenarioFile } from '../platform/scenario.js';
import { InputError } from '../util/errors.js';
import { DEFAULT_COMBINATIONS_TEXT } from '../verify/combinations.js';

export interface PageScenario {
  readonly name: string;
  readonly file: string | null;
  readonly platform: Platform;
  readonly variantText: string;
  readonly events: readonly string[];
}

/** A scenario file, or the reference platform; bad files throw InputError with every error. */
export function pageScenario(file: string | undefined): PageScenario {
  if (file === undefined) {
    const s = referenceScenario();
    return { name: s.platform.name, file: null, platform: s.platform, variantText: s.variantText, events: s.events.map(formatEvent) };
  }
  const r = loadScenarioFile(file);
  if (r.scenario === undefined) throw new InputError(r.errors.map((e) => `${file}: ${formatError(e)}`).join('\n'));
  const s = r.scenario;
  return { name: s.platform.name, file, platform: s.platform, variantText: s.variantText, events: s.events.map(formatEvent) };
}

/** The built front end (web-dist/ of the package); throws when it has not been built. */
export function assetsDir(): string {
  const d = bundledPath('web-dist');
  if (!existsSync(bundledPath('web-dist', 'index.html')) || !existsSync(bundledPath('web-dist', 'assets', 'app.js'))) {
    throw new Error(`the web front end is not built (${d} has no index.html/assets/app.js): run \`npm run build\``);
  }
  return d;
}

export function docsDir(): string {
  return bundledPath('docs');
}

/** docs/ as a file:// URL with a trailing slash (links in a report). */
export function docsFileUrl(): string {
  return pathToFileURL(docsDir()).href.replace(/\/?$/, '/');
}

/** VERIFICATION.md's default combinations, one line each (`[cc-guest] …`): the matrix rows. */
export function defaultCombinationLines(): string[] {
  return DEFAULT_COMBINATIONS_TEXT.split('\n').filter((l) => l.trim() !== '');
}
