// Layer rules of the monorepo, checked in CI by `npm run lint:deps`. Data flows one way and services
// meet only on topics, so: an app imports libraries and packages, never another app; libraries never
// import apps; the two pure libraries (contracts: the message language, routing: the decision logic)
// stay free of the framework and of anything that does I/O, so they run and test anywhere.

const PURE_LIBS = '^libs/(contracts|routing)/';
// Node built-ins that reach the disk, the network or other processes (crypto, path, util are fine).
const NODE_IO = '^(node:)?(fs|net|tls|http|https|http2|dgram|dns|child_process|cluster|worker_threads|readline)(/|$)';
// Packages whose purpose is I/O: database, broker and provider clients.
const IO_PACKAGES = '^node_modules/(pg|pg-[^/]+|kafkajs|openai|@anthropic-ai/[^/]+|busboy)/';
const SPECS = '\\.(spec|int-spec|e2e-spec)\\.ts$';
// Code that only tests load: it may use devDependencies, which the runtime image does not install.
const TEST_ONLY = [SPECS, '^libs/testing/', '^libs/[^/]+/src/testing/', '^(apps|libs)/[^/]+/test/'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-app-to-app',
      comment: 'Services meet on Kafka topics, not through imports: code two apps need belongs in a lib.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'apps-import-libs-only',
      comment: 'Apart from packages and Node itself, an app imports its own files and the libs (not scripts, tests or benches).',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { pathNot: ['^apps/$1/', '^libs/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'libs-not-to-apps',
      comment:
        'Libraries are shared by every app; one that imports an app ties them all to it. Test-only code is exempt: an adapter test may run against the emulator app in-process.',
      severity: 'error',
      from: { path: '^libs/', pathNot: TEST_ONLY },
      to: { path: '^(apps|scripts|test|bench)/' },
    },
    {
      name: 'kafkajs-behind-the-port',
      comment: 'Only the kafkajs driver of libs/kafka talks to kafkajs; everything else uses our port, so the driver can change.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: '^libs/kafka/src/drivers/kafkajs/' },
      to: { path: '^node_modules/kafkajs/' },
    },
    {
      name: 'pure-libs-no-framework',
      comment: 'contracts and routing are plain TypeScript: no NestJS, so any runtime (CLI, bench, tests) can use them.',
      severity: 'error',
      from: { path: PURE_LIBS },
      to: { path: '^node_modules/@nestjs/' },
    },
    {
      name: 'pure-libs-no-node-io',
      comment: 'contracts and routing do no I/O: no file system, sockets, HTTP or child processes.',
      severity: 'error',
      from: { path: PURE_LIBS },
      to: { dependencyTypes: ['core'], path: NODE_IO },
    },
    {
      name: 'pure-libs-no-io-packages',
      comment: 'contracts and routing do no I/O, not even through another module: no database, broker or provider client is reachable from them.',
      severity: 'error',
      from: { path: PURE_LIBS },
      to: { path: IO_PACKAGES, reachable: true },
    },
    {
      name: 'contracts-import-no-lib',
      comment: 'contracts is the bottom layer every other lib and app builds on.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { path: '^libs/', pathNot: '^libs/contracts/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve fails at run time (webpack only warns).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-undeclared-package',
      comment:
        "A package loaded at run time but not in package.json works only while another package happens to pull it in. Type-only imports are exempt: types of a framework's own dependency (fastify under @nestjs/platform-fastify) should follow the version that framework installs.",
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'The runtime image installs dependencies only (npm ci --omit=dev): production code importing a devDependency crashes there.',
      severity: 'error',
      // The console's front end is bundled at build time (scripts/build/build-console.js): the image holds the bundle, not its packages.
      from: { path: '^(apps|libs)/', pathNot: [...TEST_ONLY, '^apps/ingestion/console/'] },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-test-code',
      comment: 'Production code must not load specs or test helpers.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: TEST_ONLY },
      to: { path: [SPECS, '^libs/testing/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|\\.sluice)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve as the TypeScript compiler does here (moduleResolution "node", package exports ignored):
    // the providers lib takes types from SDK-internal paths that only that resolution reaches.
    enhancedResolveOptions: { exportsFields: [], mainFields: ['main', 'types', 'typings'] },
  },
};
