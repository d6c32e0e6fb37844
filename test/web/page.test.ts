// The explorer in Debian's Chromium against the `dmagate serve` server (in process): the
// matrix's 200 cells carry the same verdict counts as `dmagate matrix --json`; the cell of
// fun.no-silent-msi-loss on arm-smmu-v3 shows the trail of `dmagate verify --json`; the
// topology boxes rp-legacy and fpga in one IOMMU group (no ACS on rp-legacy, R3.3); editing
// the timeline's events changes the state table; no view renders empty.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { cellId, cli, countsText, launch, noBrowser, startServer } from './support/browser.js';
import type { JsonCellOut } from './support/browser.js';

/** The page's document, for predicates run in the page (the Node tsconfig has no DOM lib). */
type Dom = { document: { querySelectorAll(sel: string): { length: number } } };

const INV = 'fun.no-silent-msi-loss';

describe('web explorer (served)', { skip: noBrowser }, () => {
  let b: Awaited<ReturnType<typeof launch>>;
  let srv: Awaited<ReturnType<typeof startServer>>;
  let page: Page;
  let matrix: { cells: JsonCellOut[] };
  let verify: JsonCellOut;
  const errors: string[] = [];

  before(async () => {
    const [m, v] = cli([
      ['matrix', '--json', '--fail-on', 'never'],
      ['verify', '--fail-on', 'never', '--iommu', 'arm-smmu-v3', '--invariant', INV, '--json'],
    ]);
    assert.equal(m.code, 0, m.err);
    assert.equal(v.code, 0, v.err);
    matrix = JSON.parse(m.out) as { cells: JsonCellOut[] };
    verify = JSON.parse(v.out) as JsonCellOut;
    srv = await startServer(() => ({ json: JSON.stringify({ root: '/fake', iommu: { present: false, vendor: null, units: [], groups: 0, summary: 'test audit summary' }, cmdline: { raw: '', noats: false }, pciBus: true, functions: [], groups: [], findings: [], notes: [] }) }));
    b = await launch();
    page = await b.ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
  });
  after(async () => {
    await b?.close();
    srv?.server.close();
  });

  it('matrix: 200 cells whose verdict counts equal `dmagate matrix --json`, cell by cell', async () => {
    await page.goto(srv.url + '#/matrix');
    await page.waitForSelector('[data-testid=matrix-done]', { timeout: 60_000 });
    const cells = await page.$$eval('td.cell', (tds) => tds.map((td) => ({ id: `${td.getAttribute('data-iommu')}|${td.getAttribute('data-variant')}|${td.getAttribute('data-pt')}|${td.getAttribute('data-cc')}`, counts: td.getAttribute('data-counts'), label: td.textContent?.trim() ?? '' })));
    assert.equal(cells.length, 200);
    assert.equal(matrix.cells.length, 200);
    const want = new Map(matrix.cells.map((c) => [cellId(c), countsText(c)]));
    for (const c of cells) {
      assert.ok(want.has(c.id), `page cell ${c.id} is not in matrix --json`);
      assert.equal(c.counts, want.get(c.id), c.id);
      assert.notEqual(c.label, '', `cell ${c.id} has a text label`);
    }
    const total = (v: string) => matrix.cells.reduce((n, c) => n + Object.values(c.results).filter((r) => r.verdict === v).length, 0);
    for (const v of ['holds', 'violated', 'n/a']) assert.equal(await page.textContent(`[data-count="${v}"]`), String(total(v)), v);
  });

  it('matrix filters: by invariant labels cells with its verdict; by variant hides rows', async () => {
    await page.selectOption('[data-filter=inv]', INV);
    // function predicates, not strings: Playwright evaluates a string with eval() in the page,
    // which the explorer's CSP (no 'unsafe-eval') refuses — intermittently, as it races the poll
    await page.waitForFunction((want) => (globalThis as unknown as { location: { hash: string } }).location.hash.includes(want), 'inv=fun.no-silent-msi-loss');
    const cellText = await page.textContent('td.cell[data-iommu="arm-smmu-v3"][data-variant="mainline"][data-pt="0"]');
    assert.equal(cellText?.trim(), verify.results[INV].verdict === 'violated' ? 'VIOL' : 'holds');
    await page.fill('[data-filter=q]', 'park=msi-only');
    await page.press('[data-filter=q]', 'Enter');
    await page.waitForFunction((sel) => (globalThis as unknown as Dom).document.querySelectorAll(sel).length === 1, 'table.grid tbody tr');
    assert.equal(await page.$$eval('td.cell', (x) => x.length), 8);
  });

  it(`clicking the ${INV} cell on arm-smmu-v3 shows the trail of \`dmagate verify --json\` as a sequence diagram`, async () => {
    await page.goto(srv.url + `#/matrix?inv=${INV}`);
    await page.waitForSelector('td.cell[data-iommu="arm-smmu-v3"][data-variant="mainline"][data-pt="0"][data-counts]', { timeout: 60_000 });
    await page.click('td.cell[data-iommu="arm-smmu-v3"][data-variant="mainline"][data-pt="0"] a');
    await page.waitForSelector('[data-testid=trail]');
    const want = verify.results[INV];
    assert.equal(want.verdict, 'violated', 'the thread (D10, Jason Feb 20/26): VFIO silently breaks pcieport MSI on ARM');
    const trail = await page.$$eval('[data-testid=trail] li a', (as) => as.map((a) => a.textContent));
    assert.deepEqual(trail, want.trace);
    const json = JSON.parse((await page.textContent('[data-testid=result-json]')) ?? '{}') as Record<string, unknown>;
    assert.deepEqual(json[INV], want);
    assert.equal(await page.getAttribute(`tr[data-invariant="${INV}"]`, 'data-verdict'), 'violated');
    // one event arrow per trail step, kernel-function arrows, and state-change notes
    assert.equal(await page.$$eval('.sequence g.row.event', (g) => g.length), want.trace!.length);
    const calls = await page.$$eval('.sequence g.row.call title', (t) => t.map((x) => x.textContent ?? ''));
    assert.ok(calls.some((c) => c.startsWith('__iommu_take_dma_ownership(fpga)')), 'the VFIO claim appears as a call');
    const notes = await page.$$eval('.sequence g.row.note title', (t) => t.map((x) => x.textContent ?? ''));
    assert.ok(notes.some((n) => /^rp-legacy: .*MSI works→lost/.test(n)), `rp-legacy loses MSI at the last step: ${notes.join(' | ')}`);
    const lifelines = await page.$$eval('.sequence .lifeline text', (t) => t.map((x) => x.textContent));
    for (const l of ['device', 'driver core', 'IOMMU core', 'vendor driver', 'PCI core / ATS']) assert.ok(lifelines.includes(l), l);
    // the scrubber fades later steps
    await page.fill('[data-testid=scrubber]', '2');
    assert.ok((await page.$$eval('.sequence g.row.later', (g) => g.length)) > 0);
  });

  it('topology: rp-legacy and fpga sit in one IOMMU group box, other root ports in their own', async () => {
    await page.goto(srv.url + '#/topology?iommu=arm-smmu-v3&variant=mainline&pt=0&cc=0');
    await page.waitForSelector('.group');
    const boxes = await page.$$eval('.group', (gs) => gs.map((g) => [...g.querySelectorAll('[data-device]')].map((d) => d.getAttribute('data-device'))));
    assert.ok(boxes.some((m) => m.includes('rp-legacy') && m.includes('fpga')), JSON.stringify(boxes));
    assert.ok(boxes.some((m) => m.length === 1 && m[0] === 'rp-cxl'), 'rp-cxl has ACS: a group of its own');
    // badges at the last step of D10's example: rp-legacy's pcieport lost MSI
    assert.equal(await page.textContent('[data-device="rp-legacy"] [data-badge=msi]'), 'MSI lost');
    assert.equal(await page.textContent('[data-device="fpga"] [data-badge=driver]'), 'vfio-pci');
    assert.ok(await page.$('[data-device="ext-cxl"] [data-badge=untrusted]'), 'ext-cxl below an external-facing port is untrusted');
    assert.ok(await page.$('[data-device="cxl-accel"] [data-badge=cxl]'));
  });

  it('timeline: editing the events and re-running changes the state table', async () => {
    await page.goto(srv.url + '#/timeline?iommu=arm-smmu-v3&variant=mainline&pt=0&cc=0');
    await page.waitForSelector('[data-testid=state-table]');
    const row = async () => page.$$eval('[data-testid=state-table] tr[data-device="rp-legacy"] td', (tds) => tds.map((t) => t.textContent));
    const before5 = await row();
    assert.equal(before5.length, 6, 'boot + 5 steps');
    assert.match(before5[5] ?? '', /MSI lost/);
    // drop the VFIO attach: pcieport keeps its MSI (D10 needs the attach)
    await page.fill('[data-testid=events]', 'probe(rp-legacy)\nbind(rp-legacy)\nprobe(fpga)\nvfio-bind(fpga)\n');
    await page.click('[data-testid=rerun]');
    await page.waitForFunction((sel) => (globalThis as unknown as Dom).document.querySelectorAll(sel).length === 5, '[data-testid=state-table] tr[data-device="rp-legacy"] td');
    const after4 = await row();
    assert.match(after4[4] ?? '', /MSI works/);
    assert.deepEqual(after4, before5.slice(0, 5), 'the steps before the dropped one are unchanged');
    await page.fill('[data-testid=events]', 'probe(rp-legacy)\nbind(nosuch)\n');
    await page.click('[data-testid=rerun]');
    await page.waitForSelector('[data-testid=event-errors]');
    assert.match((await page.textContent('[data-testid=event-errors]')) ?? '', /no device named "nosuch"/);
  });

  it('no view renders empty; the host view shows the audit and the agent placeholder', async () => {
    for (const [view, sel] of [
      ['matrix', '[data-testid=matrix-summary]'],
      ['cell', 'table.verdicts tr[data-invariant]'],
      ['topology', '.group [data-device]'],
      ['timeline', '[data-testid=state-table] tr[data-device]'],
      ['host', '[data-testid=agent-placeholder]'],
    ] as const) {
      await page.goto(srv.url + `#/${view}`);
      await page.waitForSelector(sel, { timeout: 60_000 });
      const len = await page.$eval('main', (m) => (m.textContent ?? '').trim().length);
      assert.ok(len > 100, `${view} renders ${len} characters`);
    }
    await page.waitForSelector('[data-testid=audit]');
    assert.match((await page.textContent('[data-testid=audit]')) ?? '', /test audit summary/);
    assert.deepEqual(errors, [], 'no uncaught page errors');
  });
});
