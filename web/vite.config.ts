import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console: built into dist/web/ by `npm run build` (and so by `npm install` / `npm ci`), served by
 * the admin server at `/`. JSX through esbuild's automatic runtime (no Babel plugin needed).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // Every file comes from this server (CSP default-src 'self'): nothing inlined as data: URLs.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
