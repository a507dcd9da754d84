// ESLint 9 flat config with typescript-eslint's type-aware rules (STYLE.md 16). A rule is switched off here, once,
// with its reason; never line by line.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'appPackage/build/', 'test-artifacts/', 'web/**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An un-awaited promise in a bot is a lost reply or a lost write.
      '@typescript-eslint/no-floating-promises': 'error',
      // Off: ports return promises, and their in-memory and sandbox implementations are `async` without awaiting
      // anything, so that a throw becomes a rejection like the real adapter's; the rule would flag every one.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a parameter a signature requires, or a field a destructuring drops on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
);
