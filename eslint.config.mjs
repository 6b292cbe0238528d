import tseslint from 'typescript-eslint';
import jupyterPlugin from '@jupyter/eslint-plugin';
import prettierConfig from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'lib',
      'coverage',
      '.venv',
      'python/nbrepro/labextension',
      'test/ui/test-results',
      'test/ui/playwright-report',
      '**/*.d.ts',
      '**/*.json',
      '*.config.js',
      'babel.config.js',
      'style/index.js'
    ]
  },
  ...tseslint.configs.recommended,
  { plugins: { jupyter: jupyterPlugin } },
  ...jupyterPlugin.configs.recommended.filter(config =>
    (config.files ?? []).every(pattern => !pattern.endsWith('.json'))
  ),
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error',
      // User-visible strings go through the translator from the first line on.
      'jupyter/no-untranslated-string': 'error',
      // Our modules are a few kilobytes each and the status item needs them at
      // start-up; splitting them into lazy chunks would cost a request each.
      'jupyter/prefer-lazy-imports': 'off'
    }
  },
  {
    // The architecture (issue 19): no function of the extension grows into a
    // second index.ts, and notebook metadata is nbrepro's door's alone.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': [
        'error',
        { max: 120, skipBlankLines: false, skipComments: false }
      ]
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/record/document.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(get|set|delete)Metadata$/]',
          message:
            'Notebook and cell metadata is read and written by the door only: src/record/document.ts (readNotebook, readCells, writeRecord).'
        },
        {
          selector: "MemberExpression[property.name='metadata']",
          message:
            'Notebook and cell metadata is read and written by the door only: src/record/document.ts.'
        },
        {
          selector:
            'TSAsExpression > TSTypeReference.typeAnnotation[typeName.name=/^(NotebookRecord|CellRecord|CollectedRecord)$/]',
          message:
            'Only the door (src/record/document.ts) makes a record; read it there instead of casting.'
        }
      ]
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/record/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/record/metadata', '**/record/schemas'],
              message:
                'These are the door’s own parts: import src/record/document.ts (and record/model.ts for types).'
            }
          ]
        }
      ]
    }
  },
  {
    // Node-side configuration files (Playwright) are CommonJS.
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      'jupyter/no-untranslated-string': 'off'
    }
  },
  prettierConfig
);
