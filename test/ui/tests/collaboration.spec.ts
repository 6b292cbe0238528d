/**
 * Real-time collaboration (jupyter-collaboration): two users in one room on
 * one notebook, each running cells in the room's kernel. nbrepro's records
 * go through the shared document, and neither user's records are lost when
 * the other's browser writes. Then `nbrepro run` writes the notebook while
 * the room is open: the room takes the file's content, for both users.
 *
 * This test starts its own server, with real-time collaboration on (the
 * other UI servers run with it off).
 */
import { Browser, expect, Page, test } from '@playwright/test';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { repo, runPython, serverRoot, validateNotebook } from './nbfiles';

const PORT = 8891;
const BASE = `http://localhost:${PORT}`;
// Each cell's run record differs (a seeding call; another module), so each
// user's cell has a run record of its own.
const CELLS = [
  "import os, random\nrandom.seed(1)\nprint('alice ran this in process', os.getpid())",
  "import json, os\nprint('bob ran this in process', os.getpid(), json.dumps([1]))"
];

let server: ChildProcess | null = null;
let root = '';

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  root = path.join(path.dirname(serverRoot()), 'collaboration');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  server = spawn(
    path.join(repo, '.venv', 'bin', 'jupyter'),
    [
      'lab',
      '--config',
      path.join(repo, 'test', 'ui', 'jupyter_server_test_config.py')
    ],
    {
      env: {
        ...process.env,
        NBREPRO_UI_COLLAB: '1',
        NBREPRO_UI_SERVER_PART: 'collaboration',
        NBREPRO_UI_PORT: String(PORT),
        JUPYTERLAB_GALATA_ROOT_DIR: root
      },
      stdio: 'ignore'
    }
  );
  const deadline = Date.now() + 150_000;
  while (!(await answers(`${BASE}/lab`))) {
    if (Date.now() > deadline || server.exitCode !== null) {
      throw new Error('the collaboration server did not start');
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise(resolve => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([
      exited,
      new Promise(resolve => setTimeout(resolve, 15_000))
    ]);
    if (server.exitCode === null) {
      server.kill('SIGKILL');
    }
  }
});

async function join(browser: Browser, file: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/lab/tree/${file}`);
  // The notebook is open, its kernel has started and nbrepro has asked it.
  await expect(page.locator('.jp-nbrepro-Status')).toHaveAttribute(
    'data-capture',
    'recorded',
    { timeout: 90_000 }
  );
  await page.waitForFunction(
    () => {
      const widget = (window as any).jupyterapp?.shell?.currentWidget;
      return (
        widget?.content?.model?.cells?.length === 3 &&
        widget.sessionContext?.session?.kernel?.status === 'idle'
      );
    },
    undefined,
    { timeout: 90_000 }
  );
  return page;
}

/**
 * Run cell `index` of the open notebook, as its user.
 */
async function runCell(page: Page, index: number): Promise<void> {
  await page.evaluate(async index => {
    const app = (window as any).jupyterapp;
    app.shell.currentWidget.content.activeCellIndex = index;
    await app.commands.execute('notebook:run-cell');
  }, index);
}

/**
 * What this user's browser holds of nbrepro's records: the cells' and which
 * of the runs and snapshots they name the notebook's record holds.
 */
function records(page: Page) {
  return page.evaluate(() => {
    const model = (window as any).jupyterapp.shell.currentWidget.content.model;
    const meta = model.getMetadata('nbrepro') ?? { runs: {}, snapshots: {} };
    const cells = [];
    for (let i = 0; i < model.cells.length; i++) {
      const record = model.cells.get(i).getMetadata('nbrepro');
      cells.push(
        record
          ? {
              run: record.run in meta.runs,
              env: record.env in meta.snapshots
            }
          : null
      );
    }
    return cells;
  });
}

/**
 * The text each code cell printed, as this user's browser shows it.
 */
function printed(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const model = (window as any).jupyterapp.shell.currentWidget.content.model;
    const texts = [];
    for (let i = 1; i < model.cells.length; i++) {
      const outputs = model.cells.get(i).toJSON().outputs ?? [];
      texts.push(
        outputs.map((o: any) => [].concat(o.text ?? []).join('')).join('')
      );
    }
    return texts;
  });
}

test('two users in one room each run a cell: both records are in the saved notebook, and nbrepro run’s write reaches both', async ({
  browser
}) => {
  test.setTimeout(300_000);
  fs.mkdirSync(path.join(root, 'room'), { recursive: true });
  const file = path.join(root, 'room', 'shared.ipynb');
  runPython(
    [
      'import nbformat, sys',
      `cells = ${JSON.stringify(CELLS)}`,
      'nb = nbformat.v4.new_notebook()',
      'nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}',
      'nb.cells = [nbformat.v4.new_markdown_cell("# One room")] + [nbformat.v4.new_code_cell(c) for c in cells]',
      `nbformat.write(nb, ${JSON.stringify(file)})`
    ].join('\n')
  );
  const alice = await join(browser, 'room/shared.ipynb');
  const bob = await join(browser, 'room/shared.ipynb');

  await runCell(alice, 1);
  const aliceRecorded = [null, { run: true, env: true }, null];
  await expect
    .poll(() => records(alice), { timeout: 30_000 })
    .toEqual(aliceRecorded);
  // Alice's record reached Bob through the shared document.
  await expect
    .poll(() => records(bob), { timeout: 30_000 })
    .toEqual(aliceRecorded);

  await runCell(bob, 2);
  const both = [null, { run: true, env: true }, { run: true, env: true }];
  await expect.poll(() => records(bob), { timeout: 30_000 }).toEqual(both);
  await expect.poll(() => records(alice), { timeout: 30_000 }).toEqual(both);

  await alice.evaluate(() =>
    (window as any).jupyterapp.commands.execute('docmanager:save')
  );
  const saved = () => {
    const notebook = JSON.parse(fs.readFileSync(file, 'utf-8'));
    const meta = notebook.metadata.nbrepro ?? { runs: {}, snapshots: {} };
    return notebook.cells.map((cell: any) => {
      const record = cell.metadata.nbrepro;
      return record
        ? { run: record.run in meta.runs, env: record.env in meta.snapshots }
        : null;
    });
  };
  await expect.poll(saved, { timeout: 30_000 }).toEqual(both);
  const notebook = JSON.parse(fs.readFileSync(file, 'utf-8'));
  expect(notebook.cells[1].outputs[0].text.join('')).toContain('alice ran');
  expect(notebook.cells[2].outputs[0].text.join('')).toContain('bob ran');
  expect(validateNotebook(notebook)).toBe('');

  // `nbrepro run` writes the notebook while the room is open: the room
  // notices the newer file (it polls it every second) and takes its content
  // for everyone; the run's outputs and records replace the room's.
  const before = await printed(alice);
  runPython(
    `import sys; from nbrepro.cli import main; sys.exit(main(["run", ${JSON.stringify(file)}]))`
  );
  const written = JSON.parse(fs.readFileSync(file, 'utf-8'));
  const fromRun = written.cells
    .slice(1)
    .map((cell: any) =>
      cell.outputs.map((o: any) => [].concat(o.text ?? []).join('')).join('')
    );
  expect(fromRun).not.toEqual(before);
  await expect.poll(() => printed(alice), { timeout: 30_000 }).toEqual(fromRun);
  await expect.poll(() => printed(bob), { timeout: 30_000 }).toEqual(fromRun);
  await expect.poll(() => records(bob), { timeout: 30_000 }).toEqual(both);
});
