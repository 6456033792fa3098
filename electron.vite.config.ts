import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// Three builds: the main process (Node + Electron), the preload bridge (sandboxed, so CommonJS),
// and the renderer (DOM only). Dependencies of main stay external: native modules and PGlite's WASM
// are loaded from node_modules at run time, never bundled.
export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      // The workstation thread is its own entry: the main process starts it as a worker.
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'workstation-thread': resolve(__dirname, 'src/core/host/workstation/thread/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      // Minified, and every function compiled as the script loads (V8's explicit compile hint,
      // off the page's thread while the script streams in): the first grid and the first chart
      // otherwise compiled their code lazily inside one long task on the operator's first visit.
      minify: true,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/renderer/index.html') },
        output: { postBanner: '//# allFunctionsCalledOnLoad' },
      },
    },
  },
});
