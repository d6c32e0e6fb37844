// The `dmagate serve` server: loopback by default, read-only, no path traversal (raw and
// percent-encoded dot segments, encoded slashes, backslashes, NUL, symlinks out of the
// asset folder), request-size and rate limits, and a clear exit 2 when the port is taken.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { createDmagateServer, listen } from '../../src/web/server.js';
import { safeSegments } from '../../src/web/static-path.js';
import { makeFakeSysfs } from '../support/fake-sysfs.js';
import fc from 'fast-check';
import { resolve as resolvePath, sep } from 'node:path';

const CHILD = new URL('./serve-child.ts', import.meta.url).pathname;
const SECRET = 'SECRET-OUTSIDE-THE-ASSETS';

/** One raw HTTP/1.1 exchange (no client-side normalisation of the path). */
function raw(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => (buf += d.toString('latin1')));
    s.on('error', (e) => (buf === '' ? reject(e) : resolve(parse(buf))));
    s.on('end', () => resolve(parse(buf)));
    s.write(request);
  });
  function parse(t: string): { status: number; body: string } {
    const m = /^HTTP\/1\.1 (\d{3})/.exec(t);
    return { status: m ? Number(m[1]) : 0, body: t.slice(t.indexOf('\r\n\r\n') + 4) };
  }
}

const get = (port: number, path: string, extra = '') => raw(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${extra}\r\n`);

/** Runs `dmagate serve ARGS` until it prints its URL or exits. */
function serve(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ url?: string; code?: number | null; out: string; err: string; kill(): Promise<number | null> }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => c.on('exit', (code) => r(code)));
    const kill = async () => {
      c.kill('SIGTERM');
      return exited;
    };
    c.stdout.on('data', (d) => {
      out += String(d);
      const m = /(http:\/\/\S+\/)/.exec(out);
      if (m) resolve({ url: m[1], out, err, kill });
    });
    c.stderr.on('data', (d) => (err += String(d)));
    void exited.then((code) => resolve({ code, out, err, kill }));
  });
}

describe('server: paths', () => {
  let dir: string;
  let server: Server;
  let port: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dmagate-serve-'));
    mkdirSync(join(dir, 'web', 'assets'), { recursive: true });
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>index</title>');
    writeFileSync(join(dir, 'web', 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'docs', 'verification.md'), '# Verification');
    writeFileSync(join(dir, 'package.json'), SECRET);
    writeFileSync(join(dir, 'web', 'secret.txt'), SECRET);
    symlinkSync(join(dir, 'package.json'), join(dir, 'web', 'assets', 'evil.js'));
    server = createDmagateServer({ assetsDir: join(dir, 'web'), docsDir: join(dir, 'docs'), scenarioJson: '{"format":"dmagate-web/1"}', loopbackOnly: true, audit: () => ({ missing: 'none' }), rate: { max: 40, windowMs: 60_000 } });
    port = (await listen(server, 0, '127.0.0.1')).port;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page, its assets, the scenario JSON and the docs', async () => {
    assert.equal((await get(port, '/')).status, 200);
    assert.match((await get(port, '/assets/app.js')).body, /console\.log/);
    assert.equal((await get(port, '/api/scenario')).body, '{"format":"dmagate-web/1"}');
    assert.match((await get(port, '/docs/verification.md')).body, /# Verification/);
    assert.equal((await get(port, '/api/agent')).status, 404);
    assert.equal((await get(port, '/api/audit')).status, 404);
  });

  for (const path of ['/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/%2E%2E%2fpackage.json', '/assets%2f..%2f..%2fpackage.json', '/assets/..%5c..%5cpackage.json', '/assets\\..\\..\\package.json', '/docs/..%2f..%2fpackage.json', '/assets/app.js%00.png', '/%252e%252e/package.json', '/secret.txt', '/assets/evil.js', '/docs/../package.json', '/assets/.%2e/.%2e/package.json']) {
    it(`refuses ${path} (400/404, nothing outside the assets)`, async () => {
      const r = await get(port, path);
      assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`);
      assert.ok(!r.body.includes(SECRET), `${path} leaked a file`);
    });
  }

  it('path checks: dot segments and encodings are refused before decoding and after', () => {
    assert.deepEqual(safeSegments('/assets/app.js?x=1'), { ok: true, segments: ['assets', 'app.js'] });
    for (const p of ['/a/../b', '/%2e%2e/', '/a%2fb', '/a\\b', '/a%5cb', '/a%00', '/a/%2e/b', 'x', '/%zz']) assert.equal(safeSegments(p).ok, false, p);
    assert.equal((safeSegments('/' + 'a'.repeat(3000)) as { status: number }).status, 414);
  });

  it('path checks, fuzzed: an accepted path never leaves the root, whatever the encoding', () => {
    const piece = fc.constantFrom('..', '.', '%2e', '%2E%2e', '%2f', '%5c', '\\', '%00', '/', 'a', 'assets', 'app.js', '%', '%25', '~', ' ', '%c0%ae');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const url = '/' + parts.join('');
        const r = safeSegments(url);
        if (!r.ok) return true;
        const root = '/srv/root';
        const p = resolvePath(root, ...r.segments);
        return (p === root || p.startsWith(root + sep)) && r.segments.every((x) => x !== '..' && x !== '.' && !x.includes('\\') && !x.includes('\0'));
      }),
      { numRuns: 3000 },
    );
  });

  it('is read-only: other methods get 405; request bodies 413', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await raw(port, `${m} / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      assert.equal(r.status, 405, m);
    }
    const big = await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
    assert.equal(big.status, 413);
    const chunked = await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
    assert.equal(chunked.status, 413);
  });

  it('refuses oversize requests: a long URL (414) and oversize headers (431)', async () => {
    assert.equal((await get(port, '/' + 'a'.repeat(5000))).status, 414);
    assert.equal((await get(port, '/', `X-Big: ${'b'.repeat(20_000)}\r\n`)).status, 431);
  });

  it('answers loopback Host names only while bound to loopback (DNS rebinding)', async () => {
    const r = await raw(port, `GET / HTTP/1.1\r\nHost: attacker.example:${port}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 421);
    assert.equal((await raw(port, `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`)).status, 200);
  });

  it('limits the request rate per client (429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await get(port, '/api/scenario')).status);
    assert.ok(statuses.includes(429), 'the 41st request in the window is refused');
  });
});

describe('dmagate serve (CLI)', () => {
  it('binds 127.0.0.1 by default and answers the page and the scenario', async () => {
    const s = await serve(['--port', '0']);
    try {
      assert.ok(s.url, `no URL: ${s.out} ${s.err}`);
      assert.match(s.url!, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const port = Number(/:(\d+)\//.exec(s.url!)![1]);
      const r = await get(port, '/api/scenario');
      assert.equal(r.status, 200);
      const p = JSON.parse(r.body) as { format: string; scenario: { name: string }; combinations: string[] };
      assert.equal(p.format, 'dmagate-web/1');
      assert.equal(p.scenario.name, 'reference');
      assert.equal(p.combinations.length, 25);
    } finally {
      assert.equal(await s.kill(), 0, 'a clean stop on SIGTERM exits 0');
    }
  });

  it('serves the audit of a (fake) sysfs root read-only on /api/audit', async () => {
    const t = makeFakeSysfs({ fns: [{ name: '0000:00:01.0', vendor: 0x8086, device: 0x1234, classCode: 0x020000, group: 3 }], groups: [{ id: 3, type: 'DMA' }], iommuUnits: ['dmar0'], cmdline: 'quiet' });
    const s = await serve(['--port', '0', '--sysfs', t.root]);
    try {
      const port = Number(/:(\d+)\//.exec(s.url ?? '')?.[1]);
      const r = await get(port, '/api/audit');
      assert.equal(r.status, 200);
      const rep = JSON.parse(r.body) as { functions: { name: string; group: number }[] };
      assert.deepEqual(rep.functions.map((f) => [f.name, f.group]), [['0000:00:01.0', 3]]);
    } finally {
      await s.kill();
      t.cleanup();
    }
  });

  it('exits 2 with a message when the port is in use', async () => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const s = await serve(['--port', String(port)]);
      assert.equal(s.url, undefined);
      assert.equal(s.code, 2);
      assert.match(s.err, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      blocker.close();
    }
  });

  it('refuses a non-loopback host without --allow-remote (exit 2); warns with it', async () => {
    const s = await serve(['--host', '0.0.0.0', '--port', '0']);
    assert.equal(s.code, 2);
    assert.match(s.err, /not a loopback address; add --allow-remote/);
    const ok = await serve(['--host', '0.0.0.0', '--port', '0', '--allow-remote']);
    try {
      assert.ok(ok.url, ok.err);
      assert.match(ok.err, /WARNING: listening on 0\.0\.0\.0/);
    } finally {
      await ok.kill();
    }
  });

  it('bad input exits 2: a bad port, a missing scenario file', async () => {
    const a = await serve(['--port', '99999']);
    assert.equal(a.code, 2);
    assert.match(a.err, /--port wants 0\.\.65535/);
    const b = await serve(['/nonexistent/x.yaml', '--port', '0']);
    assert.equal(b.code, 2);
    assert.match(b.err, /cannot read \/nonexistent\/x\.yaml/);
  });
});
