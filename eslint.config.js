// ESLint over src/ and test/ with typescript-eslint: the recommended rules of both, which catch
// bugs (unused values, unsafe declarations, no-dupe-keys, no-unreachable, ...), and no stylistic
// rules: formatting is left to the code as written and types to tsc (`npm run lint` runs both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_GLOBALS = { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', performance: 'readonly', fetch: 'readonly' };
// The review page's script runs in the browser, as written.
const BROWSER_GLOBALS = { document: 'readonly', window: 'readonly', location: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', FormData: 'readonly', alert: 'readonly', console: 'readonly' };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'models/', 'docs/', 'data/', 'bench/', 'scripts/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // `_name` marks a value left unused on purpose (destructuring it away, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    rules: {
      // Control characters in regular expressions are the point here: hostile names, binary
      // sniffing, NUL checks. The rule finds no bug in this code base.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON bodies of many shapes; `any` there is a reading aid, not an unchecked path.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['src/review/static/*.js'], languageOptions: { sourceType: 'module', globals: BROWSER_GLOBALS } },
  { files: ['*.js', '*.mjs'], languageOptions: { globals: NODE_GLOBALS } },
);
