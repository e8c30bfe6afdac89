#!/usr/bin/env node
'use strict';
// Builds the operator console's front end (apps/ingestion/console) into one folder ingestion serves at
// /console: index.html, app.js and app.css, bundled by esbuild with Preact, htm and uPlot inside, so
// the runtime image needs none of them installed. Usage: node scripts/build/build-console.js [outdir]
// (default dist/apps/ingestion/console, beside the ingestion bundle).
const { copyFileSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const source = join(root, 'apps', 'ingestion', 'console');

/** Writes the console into `outdir`, replacing what was there. */
async function buildConsole(outdir = join(root, 'dist', 'apps', 'ingestion', 'console')) {
  const esbuild = require('esbuild');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: join(source, 'src', 'main.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    outdir,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  copyFileSync(join(source, 'index.html'), join(outdir, 'index.html'));
  return outdir;
}

module.exports = { buildConsole };

if (require.main === module) {
  buildConsole(process.argv[2]).then(
    (outdir) => console.log(`build: console -> ${outdir}`),
    (error) => {
      console.error(`build: console FAILED: ${error.message}`);
      process.exit(1);
    },
  );
}
