// @ts-check
// Lint: `npm run lint` (type-aware, --max-warnings 0). Each rule turned off below says why; the rest of
// recommendedTypeChecked stays on because it catches bugs tsc does not (floating or misused promises,
// awaiting non-thenables, throwing non-Errors, "[object Object]" in strings, unused code).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  // scripts/mutation/*.cjs: CommonJS hooks Stryker's jest runner loads by path, outside the TypeScript project
  { ignores: ['**/dist/**', 'node_modules/**', 'apps/console/vite.config.mts', 'scripts/mutation/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      globals: { ...globals.node },
      // Each file gets the nearest tsconfig.json: the root one for server code, apps/console/tsconfig.json for the console.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // pg rows (`ds.query` returns any[]), JSON bodies in tests and jsonb columns are `any` by design, and the
      // mappers in libs/persistence are where they get their types. These five rules report ~1,900 lines of that,
      // which would mean casting every row field, not finding bugs.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Style only: a redundant `as T` / `!` is harmless, and autofixing ~30 of them would conflict with parallel work.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // `async` methods without `await` implement async interfaces (ports, handlers); removing `async` would turn
      // their synchronous throws into exceptions instead of rejected promises, which changes behaviour.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        // `_x` marks an intentionally unused parameter; `{ a: _a, ...rest }` is how we omit a field.
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-implicit-coercion': ['error', { allow: ['!!'] }],
    },
  },
  {
    // Server code logs through pino (nestjs-pino / Nest Logger), so stray console output is a mistake there.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['apps/console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // React ignores what an event handler returns; every async handler in the console catches its own errors
      // (act()/submit() → setError), so a promise-returning onClick/onSubmit is not an unhandled rejection.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  // Plain ESM launchers (scripts/mutation.mjs) are outside the TypeScript project: no type-aware rules for them.
  { files: ['scripts/**/*.mjs', 'test/support/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
