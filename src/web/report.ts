// `dmagate report --html`: the built page with its script, stylesheet and data inlined, so
// the one file opens from disk (file://) with no network: no external script, stylesheet,
// font or image is referenced, and the page's CSP allows no connection.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PagePayload } from './payload.js';
import { inlineJson } from './payload.js';

const SCRIPT = /<script type="module"[^>]*\ssrc="\.\/assets\/app\.js"[^>]*><\/script>/;
const STYLE = /<link rel="stylesheet"[^>]*\shref="\.\/assets\/app\.css"[^>]*>/;
const DATA = '<!--dmagate-data-->';

/** One self-contained HTML document of the page and its data. */
export function selfContainedHtml(assetsDir: string, payload: PagePayload): string {
  const html = readFileSync(join(assetsDir, 'index.html'), 'utf8');
  const js = readFileSync(join(assetsDir, 'assets', 'app.js'), 'utf8');
  const css = readFileSync(join(assetsDir, 'assets', 'app.css'), 'utf8');
  if (!SCRIPT.test(html) || !STYLE.test(html) || !html.includes(DATA)) throw new Error(`${join(assetsDir, 'index.html')} is not the page this dmagate built (script, stylesheet or data marker missing): run \`npm run build\``);
  // `</script` / `</style` inside the code would end the element early; `<\/` means the same in JS strings and regexps
  const safeJs = js.replace(/<\/(script)/gi, '<\\/$1');
  const safeCss = css.replace(/<\/(style)/gi, '<\\/$1');
  return html
    .replace(DATA, () => `<script type="application/json" id="dmagate-data">${inlineJson(payload)}</script>`)
    .replace(SCRIPT, () => `<script type="module">${safeJs}</script>`)
    .replace(STYLE, () => `<style>${safeCss}</style>`);
}
