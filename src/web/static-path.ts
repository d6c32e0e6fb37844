// Request paths → files under one directory, refusing anything that could leave it: the raw
// URL is checked before and after percent-decoding, so `/../`, `%2e%2e/`, an encoded slash
// (`%2f`), a backslash and NUL are refused (400) rather than normalised into a valid path.
// The final path is checked again after resolving symlinks (realpath) by the caller.

export type PathCheck = { readonly ok: true; readonly segments: readonly string[] } | { readonly ok: false; readonly status: 400 | 414; readonly why: string };

export const MAX_URL = 2048;

/** The path part of a request target, split into safe segments. */
export function safeSegments(rawUrl: string): PathCheck {
  if (rawUrl.length > MAX_URL) return { ok: false, status: 414, why: 'URL too long' };
  if (!rawUrl.startsWith('/')) return { ok: false, status: 400, why: 'the request target must be a path' };
  const rawPath = rawUrl.split(/[?#]/, 1)[0];
  if (/\\|%5c/i.test(rawPath)) return { ok: false, status: 400, why: 'backslash in path' };
  if (/%2f/i.test(rawPath)) return { ok: false, status: 400, why: 'encoded slash in path' };
  if (/\0|%00/.test(rawPath)) return { ok: false, status: 400, why: 'NUL in path' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, why: 'bad percent-encoding' };
  }
  if (/[\\\0]/.test(decoded) || /[\x00-\x1f\x7f]/.test(decoded)) return { ok: false, status: 400, why: 'control character in path' };
  const segments = decoded.split('/').slice(1);
  for (const s of segments) {
    if (s === '..' || s === '.') return { ok: false, status: 400, why: 'dot segment in path' };
    if (s.startsWith('.') && s !== '') return { ok: false, status: 400, why: 'hidden file' };
  }
  if (segments.slice(0, -1).some((s) => s === '')) return { ok: false, status: 400, why: 'empty path segment' };
  return { ok: true, segments };
}
