// @ts-check
import tseslint from 'typescript-eslint';
import layers from './scripts/eslint-layers.mjs';

const ERROR_TEXT_RULE = {
  selector: "ConditionalExpression > BinaryExpression.test[operator='instanceof'][right.name='Error']",
  message: 'Use errorText / errorDetail / toError from src/core/errorText.ts instead of an inline `instanceof Error ?` copy.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', '.cache/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // node:test's test()/describe() return promises the runner tracks itself.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
    },
  },
  {
    // Shipped code logs through one path (the LogOutputChannel / hub logger), never console.
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    ignores: ['src/hub/cli/**', 'src/lint/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // The layering (scripts/eslint-layers.mjs says what it enforces).
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    plugins: { layers },
    rules: { 'layers/imports': 'error' },
  },
  {
    // Error text from a thrown value has one helper (src/core/errorText.ts): no inline copies.
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    ignores: ['src/core/errorText.ts'],
    rules: { 'no-restricted-syntax': ['error', ERROR_TEXT_RULE] },
  },
  {
    // Command ids the language server uses are shared with the extension: written once, in protocol.ts.
    // (A later block replaces the rule's options, so the error-text selector is repeated here.)
    files: ['src/language/**/*.ts'],
    ignores: ['src/language/protocol.ts'],
    rules: {
      'no-restricted-syntax': ['error', ERROR_TEXT_RULE, {
        selector: 'Literal[value=/^iotHubMessaging\\./]',
        message: 'Command and method ids shared with the extension live in src/language/protocol.ts; import them from there.',
      }],
    },
  },
);
