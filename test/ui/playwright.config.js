/**
 * Galata (Playwright) against real `jupyter lab` servers that this run starts
 * and stops, in Debian's Chromium. No browser is ever downloaded.
 */
const path = require('path');
const base = require('@jupyterlab/galata/lib/playwright-config');

const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');

const repo = path.resolve(__dirname, '..', '..');
// The servers' root folders, known to the tests so that they can read the
// files JupyterLab saved from disk.
//
// They live outside the repository: a notebook inside it would have nbrepro's
// own checkout as its project, and export builds a wheel of an editable
// package of the notebook's project (the test venv holds nbrepro editable).
const rootBase = path.join(
  os.tmpdir(),
  'nbrepro-ui-' +
    crypto.createHash('sha256').update(repo).digest('hex').slice(0, 12)
);
const roots = {
  main: path.join(rootBase, 'main'),
  noServerPart: path.join(rootBase, 'no-server-part'),
  notebook7: path.join(rootBase, 'notebook7')
};
for (const root of Object.values(roots)) {
  fs.mkdirSync(root, { recursive: true });
}
process.env.NBREPRO_UI_ROOT = roots.main;
process.env.NBREPRO_UI_NOTEBOOK7_ROOT = roots.notebook7;
const jupyter = path.join(repo, '.venv', 'bin', 'jupyter');

// Three ports the system says are free, picked once by the runner and handed to
// its workers through the environment (every worker loads this file again), so
// that two runs on one machine (two checkouts, two developers) never meet.
if (!process.env.NBREPRO_UI_PORTS) {
  process.env.NBREPRO_UI_PORTS = execFileSync(
    path.join(repo, '.venv', 'bin', 'python'),
    [
      '-c',
      'import socket\n' +
        'socks = [socket.socket() for _ in range(3)]\n' +
        'for s in socks: s.bind(("127.0.0.1", 0))\n' +
        'print(",".join(str(s.getsockname()[1]) for s in socks))'
    ],
    { encoding: 'utf-8' }
  ).trim();
}
const [mainPort, noServerPartPort, notebook7Port] =
  process.env.NBREPRO_UI_PORTS.split(',').map(Number);
const url = port => `http://localhost:${port}`;
const serverCommand = (port, env, root, app = 'lab') =>
  `${env} NBREPRO_UI_PORT=${port} JUPYTERLAB_GALATA_ROOT_DIR="${root}" "${jupyter}" ${app} --config "${path.join(
    __dirname,
    'jupyter_server_test_config.py'
  )}"`;

module.exports = {
  ...base,
  testDir: path.join(__dirname, 'tests'),
  outputDir: path.join(__dirname, 'test-results'),
  reporter: [['list']],
  retries: 0,
  workers: 1,
  use: {
    ...base.use,
    // Video needs Playwright's own ffmpeg download; traces are enough.
    video: 'off',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  projects: [
    // Screenshots for the README (NBREPRO_SCREENSHOTS=1, `npm run screenshots`)
    // and the browser benchmark (NBREPRO_BENCH=1, `npm run bench:ui`) run only
    // when asked for.
    ...(process.env.NBREPRO_SCREENSHOTS
      ? [
          {
            name: 'screenshots',
            testDir: path.join(__dirname, 'docs'),
            use: { baseURL: url(mainPort) }
          }
        ]
      : []),
    ...(process.env.NBREPRO_BENCH
      ? [
          {
            name: 'bench',
            testDir: path.join(__dirname, 'bench'),
            timeout: 20 * 60 * 1000,
            use: { baseURL: url(mainPort) }
          }
        ]
      : []),
    {
      name: 'nbrepro',
      testIgnore: /no-server-part/,
      use: { baseURL: url(mainPort) }
    },
    {
      name: 'no-server-part',
      testMatch: /no-server-part/,
      use: { baseURL: url(noServerPartPort) }
    },
    // The core tests again in a real Notebook 7 (`jupyter notebook`).
    {
      name: 'notebook7',
      testDir: path.join(__dirname, 'notebook7'),
      use: { baseURL: url(notebook7Port) }
    }
  ],
  webServer: [
    {
      command: serverCommand(mainPort, 'NBREPRO_UI_SERVER_PART=on', roots.main),
      url: `${url(mainPort)}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: false
    },
    {
      command: serverCommand(
        noServerPartPort,
        'NBREPRO_UI_SERVER_PART=off',
        roots.noServerPart
      ),
      url: `${url(noServerPartPort)}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: false
    },
    {
      command: serverCommand(
        notebook7Port,
        'NBREPRO_UI_SERVER_PART=notebook7',
        roots.notebook7,
        'notebook'
      ),
      url: `${url(notebook7Port)}/tree`,
      timeout: 120 * 1000,
      reuseExistingServer: false
    }
  ]
};
