import { defineConfig } from 'vite';

// Root is this folder (vite build apps/console); the API serves dist/ at /console. JSX uses Vite's built-in transform
// (automatic runtime), so no framework plugin is needed for a production build.
export default defineConfig({
  base: '/console/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  oxc: { jsx: { runtime: 'automatic' } },
  logLevel: 'warn',
});
