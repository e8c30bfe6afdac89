// Two projects: unit specs need nothing (type-checked separately by `npm run typecheck`, so ts-jest only transpiles); integration and e2e specs need the real broker and database,
// which the integration project's global setup starts when nothing answers.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.sluice/'],
};

module.exports = {
  // Worker processes even on two cores: each suite gets a process of its own, apart from the global
  // setup (which loads the ledger and contracts), and a suite that leaks a handle cannot hang the run.
  maxWorkers: 2,
  // Integration tests wait on real brokers with their own deadlines (waitFor); this only backs them up.
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,scripts,bench}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
    {
      // libs/kafka's semantics once more on kafkajs (the rest runs on the default, @platformatic/kafka): both drivers behind the port pass the same specs.
      ...shared,
      displayName: 'integration:kafkajs',
      testMatch: ['<rootDir>/libs/kafka/src/**/*.int-spec.ts'],
      setupFiles: ['<rootDir>/libs/kafka/src/testing/kafkajs.setup.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
