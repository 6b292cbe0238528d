const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

// @jupyterlab packages and their dependencies ship ES modules, which jest must
// transform. Jest skips a file when it matches ANY ignore pattern, so the base
// list and ours are merged into a single negative lookahead.
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@lezer',
  '@renovatebot',
  '@marijn',
  '@microsoft',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yaml',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  collectCoverageFrom: ['src/**/*.{ts,tsx}', '!src/**/*.d.ts'],
  coverageReporters: ['lcov', 'text-summary'],
  roots: ['<rootDir>/src', '<rootDir>/test/ts'],
  testRegex: 'test/ts/.*\\.spec\\.tsx?$',
  modulePathIgnorePatterns: [
    '<rootDir>/.venv',
    '<rootDir>/python',
    '<rootDir>/lib'
  ],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
