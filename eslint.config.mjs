// @ts-check
// Type-aware lint over every TypeScript project in the repository (the root tsconfig.json covers apps,
// libs, scripts, bench and test), chiefly for promises nobody waits on or hands to a callback that
// ignores them. Formatting is Prettier's business, so eslint-config-prettier comes last.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.sluice/', '.kafka/', '.scratch/', 'docs/schemas/', 'bench/results/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Without noUncheckedIndexedAccess the compiler sees `rows[i]!` or `rows[i] as Row` as no-ops; they mark reads the code knows are in range.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Fakes, Kafka eachBatch callbacks and adapters are async to honour a promise-returning contract, so a throw still becomes a rejection.
      '@typescript-eslint/require-await': 'off',
      // A leading `_` names a binding that is unused on purpose: a field dropped from a copy, a loop that only drains.
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_' }],
      // Caught errors are passed on as they were thrown, whatever they are.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', '**/test/**/*.ts', 'libs/testing/**/*.ts', '**/testing/**/*.ts'],
    rules: {
      // Jest's asymmetric matchers (expect.any, objectContaining) are typed `any`, as are HTTP response bodies and SQL rows read back in tests.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['libs/contracts/src/validation/fast-path/**/*.ts', 'scripts/schemas/**/*.ts'],
    // class-validator and class-transformer key their metadata by `Function`; this code reads those stores.
    rules: { '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
  {
    // Not in tsconfig.json, so linted without type information.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // The JavaScript files are CommonJS entry points and configs that Node loads as they are.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
