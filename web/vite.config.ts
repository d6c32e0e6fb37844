// Vite build of the web explorer (docs/web.md): one JS file and one CSS file under web-dist/,
// stable names so `dmagate report --html` can inline them. The browser runs the kernel model
// and the verifier itself (src/kernel, src/verify): any node:* import reaching this bundle is
// a layering bug, so the build fails on it instead of shipping a stub.
import { defineConfig, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';

const noNodeBuiltins: Plugin = {
  name: 'dmagate-no-node-builtins',
  enforce: 'pre',
  resolveId(id, importer) {
    if (id.startsWith('node:') || ['fs', 'path', 'os', 'url', 'worker_threads', 'child_process'].includes(id)) {
      throw new Error(`web bundle: ${importer ?? '?'} imports ${id}; the browser model must stay Node-free (split the module, see docs/web.md)`);
    }
    return null;
  },
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [noNodeBuiltins],
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../web-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: false,
    cssCodeSplit: false,
    assetsInlineLimit: 100_000,
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        inlineDynamicImports: true,
        entryFileNames: 'assets/app.js',
        assetFileNames: 'assets/app[extname]',
      },
    },
  },
});
