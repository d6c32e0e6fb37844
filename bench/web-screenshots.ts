// `npm run screenshots`: PNGs of each view of the explorer under docs/screenshots/, taken in
// Debian's Chromium against the in-process server on the reference platform.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, noBrowser, startServer } from '../test/web/support/browser.js';
import { bundledPath } from '../src/platform/package-root.js';
import { auditHost } from '../src/platform/sysfs-audit.js';
import { readSysfs } from '../src/platform/sysfs-reader.js';

if (noBrowser) {
  console.error(noBrowser);
  process.exit(1);
}
const out = bundledPath('docs', 'screenshots');
mkdirSync(out, { recursive: true });
// The Host view shows this machine's audit, as `dmagate serve` does on Linux.
const { url, server } = await startServer(() => ({ json: JSON.stringify(auditHost(readSysfs('/'))) }));
const b = await launch();
const page = await b.ctx.newPage();
const shots: [string, string, string][] = [
  ['matrix', '#/matrix', '[data-testid=matrix-done]'],
  ['cell', '#/cell?iommu=arm-smmu-v3&variant=mainline&pt=0&cc=0&inv=fun.no-silent-msi-loss', '[data-testid=sequence] svg'],
  ['topology', '#/topology?iommu=arm-smmu-v3&variant=mainline&pt=0&cc=0&step=5', '.group'],
  ['timeline', '#/timeline?iommu=arm-smmu-v3&variant=mainline&pt=0&cc=0&step=5', '[data-testid=state-table]'],
  ['host', '#/host', '[data-testid=agent-placeholder]'],
];
for (const [name, hash, sel] of shots) {
  await page.goto(url + hash);
  await page.waitForSelector(sel, { timeout: 60_000 });
  if (name === 'host') await page.waitForSelector('[data-testid=audit], [data-testid=host-absent]', { timeout: 30_000 });
  const file = join(out, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`wrote ${file}`);
}
await b.close();
server.close();
