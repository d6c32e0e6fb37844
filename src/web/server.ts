// The `dmagate serve` HTTP server (node:http, no framework): the built front end (web-dist/),
// the page's data (/api/scenario), the shipped docs (/docs/*.md), and the host's read-only
// audit (/api/audit). Read-only by construction: GET and HEAD only, nothing writes anywhere.
// Limits: no request bodies (413), URL ≤ 2 KiB (414), headers ≤ 16 KiB (Node's 431), a
// per-client request rate (429), loopback Host headers only while bound to loopback (421,
// against DNS rebinding). Paths are checked by static-path.ts and confined by realpath.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { safeSegments } from './static-path.js';

export interface ServerOptions {
  /** The built front end (web-dist/). */
  readonly assetsDir: string;
  /** The shipped docs (docs/), served as text. */
  readonly docsDir: string;
  /** JSON of /api/scenario. */
  readonly scenarioJson: string;
  /** /api/audit: the host's audit as JSON text, or null when there is none (not Linux). */
  audit(): { json: string } | { missing: string };
  /** Requests per client per window (default 600 per 10 s). */
  readonly rate?: { readonly max: number; readonly windowMs: number };
  /** Bound to a loopback address: only loopback Host headers are accepted. */
  readonly loopbackOnly: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/plain; charset=utf-8',
};

const CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export const MAX_HEADER_BYTES = 16 * 1024;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1';
  return false;
}

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(buf.length),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': CSP,
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(head ? undefined : buf);
}

const text = (res: ServerResponse, head: boolean, status: number, msg: string, extra?: Record<string, string>) => send(res, head, status, 'text/plain; charset=utf-8', msg + '\n', extra);

/** A file strictly inside `dir` (after symlinks), or null. */
function fileIn(dir: string, segments: readonly string[]): string | null {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch {
    return null;
  }
  const p = join(root, ...segments);
  let real: string;
  try {
    real = realpathSync(p);
    if (!statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real.startsWith(root + sep) ? real : null;
}

export function createDmagateServer(o: ServerOptions): Server {
  const rate = o.rate ?? { max: 600, windowMs: 10_000 };
  const hits = new Map<string, { start: number; n: number }>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return text(res, false, 405, 'read-only server: GET and HEAD only', { allow: 'GET, HEAD' });
    const len = req.headers['content-length'];
    if ((len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined) {
      text(res, head, 413, 'request bodies are not accepted', { connection: 'close' });
      req.destroy();
      return;
    }
    const who = req.socket.remoteAddress ?? '?';
    const now = Date.now();
    const h = hits.get(who);
    if (h === undefined || now - h.start > rate.windowMs) hits.set(who, { start: now, n: 1 });
    else if (++h.n > rate.max) return text(res, head, 429, 'too many requests', { 'retry-after': String(Math.ceil(rate.windowMs / 1000)) });
    if (hits.size > 10_000) hits.clear();
    if (o.loopbackOnly) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!isLoopback(host)) return text(res, head, 421, `this server answers loopback names only (Host: ${host.slice(0, 100)})`);
    }
    const chk = safeSegments(req.url ?? '');
    if (!chk.ok) return text(res, head, chk.status, `bad path: ${chk.why}`);
    const seg = chk.segments;
    const path = '/' + seg.join('/');
    if (path === '/' || path === '/index.html') {
      const f = fileIn(o.assetsDir, ['index.html']);
      if (f === null) return text(res, head, 500, 'the web front end is not built (web-dist/index.html missing): run npm run build');
      return send(res, head, 200, TYPES['.html'], readFileSync(f));
    }
    if (path === '/api/scenario') return send(res, head, 200, TYPES['.json'], o.scenarioJson);
    if (path === '/api/audit') {
      const a = o.audit();
      return 'json' in a ? send(res, head, 200, TYPES['.json'], a.json) : send(res, head, 404, TYPES['.json'], JSON.stringify({ error: a.missing }));
    }
    if (path === '/api/agent') return send(res, head, 404, TYPES['.json'], JSON.stringify({ error: 'the acceptance agent (dmagate agent) is not built yet' }));
    if (seg[0] === 'assets' && seg.length === 2) {
      const f = fileIn(join(o.assetsDir, 'assets'), [seg[1]]);
      const type = TYPES[extname(seg[1])];
      if (f !== null && type !== undefined) return send(res, head, 200, type, readFileSync(f), { 'cache-control': 'no-cache' });
    }
    if (seg[0] === 'docs' && seg.length === 2 && seg[1].endsWith('.md')) {
      const f = fileIn(o.docsDir, [seg[1]]);
      if (f !== null) return send(res, head, 200, TYPES['.md'], readFileSync(f));
    }
    return text(res, head, 404, 'not found');
  };
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (!res.headersSent) text(res, false, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      else res.destroy();
    }
  });
  server.maxHeadersCount = 64;
  return server;
}

/** Listens; rejects with the listen error (EADDRINUSE, EACCES, …). */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onErr = (e: Error) => reject(e);
    server.once('error', onErr);
    server.listen(port, host, () => {
      server.off('error', onErr);
      resolve(server.address() as AddressInfo);
    });
  });
}
