// The console's single-page app (ADR 1000). `npm run console:build` writes dist/console-web/, which the
// console server (apps/console/src) serves; `vite` alone (dev server) proxies /api and /console to it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const consoleServer = `http://127.0.0.1:${process.env.CARELEDGER_CONSOLE_PORT ?? '3004'}`;

export default defineConfig({
  root: here,
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../../dist/console-web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      // Mantine marks its modules "use client" (for React Server Components); meaningless in an SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': consoleServer, '/console': consoleServer } },
});
