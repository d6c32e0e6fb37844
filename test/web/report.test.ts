// `dmagate report --html`: one self-contained file that opens from file:// with the network
// cut (every non-file request is aborted and recorded: none may be attempted), showing the
// same verdicts as `dmagate matrix --json` and, for one cell, the trail of `verify --json`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { cellId, cli, countsText, ensureBuilt, launch, noBrowser } from './support/browser.js';
import type { JsonCellOut } from './support/browser.js';

const INV = 'fun.no-silent-msi-loss';

describe('dmagate report --html', () => {
  let dir: string;
  let runs: { code: number; out: string; err: string }[];
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dmagate-report-'));
    runs = cli([
      ['report', '--html', join(dir, 'amd.html'), '--iommu', 'amd'],
      ['matrix', '--json', '--fail-on', 'never', '--iommu', 'amd'],
      ['report', '--html', join(dir, 'cell.html'), '--iommu', 'arm-smmu-v3', '--variant', 'mainline'],
      ['verify', '--fail-on', 'never', '--iommu', 'arm-smmu-v3', '--invariant', INV, '--json'],
      ['report', '--html', join(dir, 'bad.html'), '--iommu', 'amd,intel', '--variant', 'mainline'],
      ['report', '--html', join(dir, 'bad2.html'), '--variant', 'park=blocked'],
      ['report', '--html', join(dir, 'bad3.html'), '--passthrough'],
    ]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one file that references nothing outside itself', () => {
    assert.equal(runs[0].code, 0, runs[0].err);
    assert.match(runs[0].err, /wrote .*amd\.html/);
    const html = readFileSync(join(dir, 'amd.html'), 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    assert.doesNotMatch(html, /\b(src|href)="https?:/i);
    assert.match(html, /<script type="application\/json" id="dmagate-data">/);
    // the data block cannot be closed early by what it contains
    const data = html.slice(html.indexOf('id="dmagate-data">'), html.indexOf('</script>', html.indexOf('id="dmagate-data">')));
    assert.doesNotMatch(data.slice(18), /</);
  });

  it('bad input exits 2 with why', () => {
    assert.equal(runs[4].code, 2);
    assert.match(runs[4].err, /one cell takes one --iommu/);
    assert.equal(runs[5].code, 2);
    assert.match(runs[5].err, /variant "park=blocked"/);
    assert.equal(runs[6].code, 2);
    assert.match(runs[6].err, /give --variant too/);
  });

  describe('in Chromium from file:// with the network disabled', { skip: noBrowser }, () => {
    let b: Awaited<ReturnType<typeof launch>>;
    let page: Page;
    const attempted: string[] = [];
    const errors: string[] = [];
    before(async () => {
      b = await launch();
      await b.ctx.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        attempted.push(url);
        return route.abort('internetdisconnected');
      });
      page = await b.ctx.newPage();
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) attempted.push(r.url());
      });
    });
    after(async () => b?.close());

    it('the matrix report shows the cells of `matrix --json --iommu amd`, verdicts equal', async () => {
      await page.goto(pathToFileURL(join(dir, 'amd.html')).href);
      await page.waitForSelector('[data-testid=matrix-done]', { timeout: 60_000 });
      const m = JSON.parse(runs[1].out) as { cells: JsonCellOut[] };
      const want = new Map(m.cells.map((c) => [cellId(c), countsText(c)]));
      const got = await page.$$eval('td.cell', (tds) => tds.map((td) => [`${td.getAttribute('data-iommu')}|${td.getAttribute('data-variant')}|${td.getAttribute('data-pt')}|${td.getAttribute('data-cc')}`, td.getAttribute('data-counts')] as const));
      assert.equal(got.length, 50);
      for (const [id, counts] of got) assert.equal(counts, want.get(id), id);
      await page.click('[data-tab=host]');
      await page.waitForSelector('[data-testid=host-absent]');
    });

    it('the cell report opens on the cell, with the trail of `verify --json`', async () => {
      await page.goto(pathToFileURL(join(dir, 'cell.html')).href);
      await page.waitForSelector('[data-testid=trail]', { timeout: 60_000 });
      const v = JSON.parse(runs[3].out) as JsonCellOut;
      // the report opens on the first violated invariant; pick ours
      await page.click(`tr[data-invariant="${INV}"] a.badge`);
      await page.waitForSelector(`[data-testid=counterexample][data-invariant="${INV}"]`);
      const trail = await page.$$eval('[data-testid=trail] li a', (as) => as.map((a) => a.textContent));
      assert.deepEqual(trail, v.results[INV].trace);
      assert.ok((await page.$$eval('.sequence g.row.call', (g) => g.length)) > 5);
    });

    it('attempted no network request and threw no error', () => {
      assert.deepEqual(attempted, []);
      assert.deepEqual(errors, []);
    });
  });
});
