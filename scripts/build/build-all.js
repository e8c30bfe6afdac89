#!/usr/bin/env node
'use strict';
// Builds every Nest application of the monorepo (the "application" projects of nest-cli.json), one
// after another: the machines that build are small, and webpack plus the type checker of six apps
// at once would only fight over the same cores. Each build must leave dist/apps/<app>/main.js, the
// file the Docker image runs; an app without sources fails the build instead of being skipped.
// Usage: npm run build [-- <app> ...]
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..', '..');
const nestCli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8'));
const allApps = Object.entries(nestCli.projects)
  .filter(([, project]) => project.type === 'application')
  .map(([name, project]) => ({
    name,
    entry: join(root, project.sourceRoot, `${project.entryFile}.ts`),
    output: join(root, 'dist', 'apps', name, `${project.entryFile}.js`),
  }));

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !allApps.some((app) => app.name === name));
if (unknown.length > 0) {
  console.error(`build: unknown app(s): ${unknown.join(', ')} (apps: ${allApps.map((app) => app.name).join(', ')})`);
  process.exit(2);
}
const apps = requested.length > 0 ? allApps.filter((app) => requested.includes(app.name)) : allApps;

function build(app) {
  if (!existsSync(app.entry)) return `no entry file ${relative(root, app.entry)} (the app has not been written yet)`;
  // A main.js left from an earlier build would pass the check below without this build producing it.
  rmSync(app.output, { force: true });
  const result = spawnSync('npx', ['--no-install', 'nest', 'build', app.name], { cwd: root, stdio: 'inherit' });
  if (result.error) return `could not run nest build: ${result.error.message}`;
  if (result.status !== 0) return `nest build exited with ${result.status ?? result.signal}`;
  if (!existsSync(app.output) || statSync(app.output).size === 0) return `nest build succeeded but ${relative(root, app.output)} is missing or empty`;
  // Ingestion serves the operator console from the folder beside its bundle.
  if (app.name === 'ingestion') {
    const frontEnd = spawnSync(process.execPath, [join(__dirname, 'build-console.js')], { cwd: root, stdio: 'inherit' });
    if (frontEnd.status !== 0) return `the console's build exited with ${frontEnd.status ?? frontEnd.signal}`;
  }
  return undefined;
}

const results = apps.map((app) => {
  console.log(`build: ${app.name} ...`);
  const started = Date.now();
  const failure = build(app);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(failure ? `build: ${app.name} FAILED after ${seconds} s: ${failure}` : `build: ${app.name} ok in ${seconds} s -> ${relative(root, app.output)}`);
  return { app, failure, seconds };
});

console.log('\nbuild summary:');
for (const { app, failure, seconds } of results) {
  console.log(`  ${failure ? 'FAIL' : 'ok  '}  ${app.name.padEnd(18)} ${seconds.padStart(6)} s  ${failure ?? relative(root, app.output)}`);
}
const failed = results.filter((result) => result.failure);
if (failed.length > 0) {
  console.error(`build: ${failed.length} of ${results.length} app(s) failed`);
  process.exit(1);
}
