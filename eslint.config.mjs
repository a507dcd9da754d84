// ESLint 9 flat config with typescript-eslint's type-aware rules (STYLE.md 16). A rule is switched off here, once,
// with its reason; never line by line.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Only the composition root (index.ts), the tests and the benchmark use the sandbox, by name. */
const SANDBOX_ONLY_FROM_THE_ROOT = {
  group: ['@account-closure-bot/sandbox', '@account-closure-bot/sandbox/*', '**/sandbox', '**/sandbox/*'],
  message: 'Only index.ts, test/ and bench/ import the sandbox.',
};
/** The domain and the adapters outlive the Bot Framework SDK (DESIGN.md): only bot/ and dialogs/ are bound to it. */
const NO_BOTBUILDER = {
  group: ['botbuilder', 'botbuilder-*', 'botbuilder/*', 'botframework-*'],
  message: 'services/ and adapters/ import nothing from botbuilder (bot/ and dialogs/ are the SDK-bound rooms).',
};
/** The rooms above the domain and the adapters: imports go one way, down (docs/architecture.md). */
const NOTHING_ABOVE = {
  group: ['**/bot/*', '**/dialogs/*', '**/conversation/*', '**/cards/*', '**/server/*', '**/ops/*', '**/index'],
  message: 'services/ and adapters/ import no room above them (bot, dialogs, conversation, cards, server, ops, index.ts).',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'appPackage/build/', 'test-artifacts/', '**/*.mjs'] },
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
      // Off: botbuilder's ActivityTypes is a string enum and Activity.type a string; comparing the two is the
      // SDK's own idiom (botbuilder-js activityHandler.ts), not a mix-up of enums.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // Off: the control characters are the point where a pattern names them (conversation/plainText.ts strips them from
      // names shown in chat).
      'no-control-regex': 'off',
      // Relaxed: a rejection may pass on a value typed `unknown` (what an 'error' event or a catch carries, e.g.
      // services/errors.ts portInUse); literals and non-errors are still refused.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // A leading underscore marks a parameter a signature requires, or a field a destructuring drops on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The web chat page's script: a classic browser script (no modules, no build step), type-checked by
    // web/tsconfig.json (checkJs against the DOM), which also finds undefined names, so no-undef is off here.
    files: ['web/**/*.js'],
    languageOptions: { sourceType: 'script' },
    rules: { 'no-undef': 'off' },
  },
  {
    // The sandbox is its own package (sandbox/package.json, issue 23): nothing under sandbox/ reaches outside it. Its
    // host shares contracts with it (HTTP shapes, botbuilder's UserTokenClient), not code.
    files: ['sandbox/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['..', '../*'], message: 'The sandbox package imports nothing outside sandbox/.' }] },
      ],
    },
  },
  {
    files: ['sandbox/test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../..', '../../*'], message: 'The sandbox package (and its tests) import nothing outside sandbox/.' }] },
      ],
    },
  },
  {
    // The other direction: only the composition root (index.ts), the tests and the benchmark use the sandbox, by name.
    files: ['**/*.ts'],
    ignores: ['index.ts', 'test/**', 'bench/**', 'sandbox/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [SANDBOX_ONLY_FROM_THE_ROOT],
        },
      ],
    },
  },
  {
    // Domain and adapters in their own rooms (issue 23): no botbuilder in either, nothing from the rooms above them.
    files: ['adapters/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SANDBOX_ONLY_FROM_THE_ROOT, NO_BOTBUILDER, NOTHING_ABOVE] }] },
  },
  {
    // ...and the domain keeps the ports: it imports no adapter (test/architecture/rooms.test.ts checks the same).
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            SANDBOX_ONLY_FROM_THE_ROOT,
            NO_BOTBUILDER,
            NOTHING_ABOVE,
            {
              group: ['**/adapters', '**/adapters/*'],
              message: 'The domain imports no adapter: adapters implement its ports (services/*.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and the benchmark reach the sandbox by its package name, never by path into sandbox/.
    files: ['index.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/sandbox', '**/sandbox/*', '!@account-closure-bot/sandbox', '!@account-closure-bot/sandbox/testing'],
              message:
                "Import the sandbox by name: '@account-closure-bot/sandbox' (its test helpers: '@account-closure-bot/sandbox/testing').",
            },
          ],
        },
      ],
    },
  },
);
