/**
 * `npm run lint` (with the type-check and the formatter): the rules people meet in their editor.
 * typescript-eslint's recommended set, React's hooks rules in the renderer, and the architecture as
 * rules — the floors (tools/eslint/floors.js) and what each side may never import.
 */
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import treasury from './tools/eslint/floors.js';

const NODE_ONLY = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'child_process',
  'electron',
  'keytar',
  'postgres',
  'pg',
  'drizzle-orm',
  'drizzle-orm/*',
  'better-sqlite3',
  'better-sqlite3-multiple-ciphers',
  '@electric-sql/*',
];
const UI_ONLY = [
  'electron',
  'react',
  'react/*',
  'react-dom',
  'react-dom/*',
  'ag-grid-*',
  'ag-charts-*',
  'zustand',
  'zustand/*',
];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'node_modules/**',
      '.tsbuild/**',
      'tools/electronegativity/**',
      'drizzle/migrations/**',
      'dist/**',
      '.scratch/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      // A leading underscore names what is deliberately left out (`const { secret: _s, ...safe }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  // Tests read untyped JSON answers off the wire (the browser host, the CLI's --json) field by field.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    ...reactHooks.configs.flat.recommended,
  },
  { files: ['src/**/*.{ts,tsx}'], plugins: { treasury }, rules: { 'treasury/floors': 'error' } },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: UI_ONLY,
              message: 'the core runs without Electron or a UI (docs/architecture.md)',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'localStorage'].map((name) => ({
          name,
          message: 'the core has no DOM',
        })),
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: NODE_ONLY,
              message: 'the renderer reaches Node, stores and secrets only through the bridge',
            },
          ],
        },
      ],
    },
  },
);
