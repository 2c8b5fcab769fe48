// One linter for src, test and bench. The core (src/incidents) must stay pure: importing a platform SDK,
// the database or the scheduler from there is an error, not a code-review comment.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ADAPTER_LIBRARIES = ['@slack/*', '@mattermost/*', 'better-sqlite3', 'drizzle-orm', 'drizzle-orm/*', 'node-cron', 'pino', 'prom-client'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'migrations/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules: every store method returns a promise (issue 13), so a store call that is not awaited, a
    // promise tested as a condition, or an await of something that is no promise must fail the build, not production.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/incidents/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ADAPTER_LIBRARIES, message: 'The core (src/incidents) is pure: depend on a port in ports.ts instead.' },
            { group: ['**/chat/**', '**/storage/**', '**/web/**', '**/scheduler.ts', '**/config.ts', '**/logger.ts'], message: 'The core must not import adapters.' },
          ],
        },
      ],
    },
  },
  {
    // .dependency-cruiser.cjs: its config is CommonJS.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Copy-paste examples for users: plain Node scripts that print what they receive.
    files: ['examples/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);
