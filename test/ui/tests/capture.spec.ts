import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  makeWheel,
  readNotebook,
  waitForCellRecords,
  runPython,
  serverRoot,
  validateNotebook
} from './nbfiles';

const WHEEL_NAME = 'nbrepro_ui_probe';

test.describe('capture on every run', () => {
  test('cells run, the notebook is saved, and the file carries a valid snapshot', async ({
    page,
    tmpPath
  }) => {
    const name = 'capture.ipynb';
    await page.notebook.createNew(name, { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'import random\nrandom.seed(7)');
    await page.notebook.addCell(
      'code',
      'x = random.random()\nprint(round(x, 3))'
    );
    await page.notebook.run();
    await waitForCellRecords(page, 2);
    const item = page.locator('.jp-nbrepro-Status');
    await expect(item).toHaveAttribute('data-capture', 'recorded');
    await expect(item).toHaveText('nbrepro: matching');
    await page.notebook.save();

    const notebook = readNotebook(tmpPath, name);
    const meta = notebook.metadata.nbrepro;
    expect(meta.schema_version).toBe(1);
    expect(meta.current).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(meta.snapshots)).toEqual([meta.current]);
    const codeCells = notebook.cells.filter((c: any) => c.cell_type === 'code');
    expect(codeCells).toHaveLength(2);
    for (const cell of codeCells) {
      expect(cell.metadata.nbrepro.env).toBe(meta.current);
      expect(cell.metadata.nbrepro.src).toMatch(/^[0-9a-f]{16}$/);
      // Cell metadata travels with every execute request: keep it small.
      expect(JSON.stringify(cell.metadata.nbrepro).length).toBeLessThan(100);
    }
    // The seeding call of the first cell is in its run record.
    const firstRun = meta.runs[codeCells[0].metadata.nbrepro.run];
    expect(JSON.stringify(firstRun.seeds)).toContain('random.seed');
    expect(validateNotebook(notebook)).toBe('');

    // The same environment as `nbrepro snapshot` gives for that interpreter.
    const cli = JSON.parse(
      runPython(
        'import sys; from nbrepro.cli import main; sys.exit(main(["snapshot", "--format", "json"]))'
      )
    );
    const recorded = meta.snapshots[meta.current].environment;
    expect(recorded.python).toEqual(cli.environment.python);
    expect(recorded.platform).toEqual(cli.environment.platform);
    const names = (env: any) =>
      (env.pip?.distributions ?? [])
        .map((d: any) => `${d.name}==${d.version}`)
        .sort();
    expect(names(recorded)).toEqual(names(cli.environment));

    // `nbrepro run` on the same notebook records the same thing headless.
    const file = path.join(serverRoot(), tmpPath, name);
    const headless = path.join(
      os.tmpdir(),
      `nbrepro-headless-${Date.now()}.ipynb`
    );
    runPython(
      `import sys; from nbrepro.cli import main; sys.exit(main(["run", ${JSON.stringify(
        file
      )}, "-o", ${JSON.stringify(headless)}]))`
    );
    const ran = JSON.parse(fs.readFileSync(headless, 'utf-8'));
    expect(ran.metadata.nbrepro.current).toBe(meta.current);
    expect(Object.keys(ran.metadata.nbrepro.snapshots)).toEqual([meta.current]);
    const records = (nb: any) =>
      nb.cells
        .filter((c: any) => c.cell_type === 'code')
        .map((c: any) => ({
          env: c.metadata.nbrepro.env,
          src: c.metadata.nbrepro.src,
          keys: Object.keys(c.metadata.nbrepro).sort()
        }));
    expect(records(ran)).toEqual(records(notebook));
  });

  test('a %pip install between two cells leaves them on different snapshots', async ({
    page,
    tmpPath
  }) => {
    const wheel = makeWheel(
      path.join(os.tmpdir(), 'nbrepro-ui-wheels'),
      WHEEL_NAME,
      '1.0'
    );
    // Two real pip installs and a kernel start: more than the default minute
    // on a busy machine.
    test.setTimeout(180_000);
    const name = 'pip.ipynb';
    // A kernel in a venv of its own (jupyter_server_test_config.py): the
    // installs go there, not into the .venv that pytest records beside us.
    await page.notebook.createNew(name, { kernel: 'nbrepro-overlay' });
    await page.notebook.setCell(0, 'code', 'print("before")');
    await page.notebook.addCell(
      'code',
      `%pip install --no-index --no-deps -q ${JSON.stringify(wheel)}`
    );
    await page.notebook.addCell(
      'code',
      `import ${WHEEL_NAME}\nprint(${WHEEL_NAME}.VALUE)`
    );
    await page.notebook.run();
    await waitForCellRecords(page, 3);
    await page.notebook.save();
    const notebook = readNotebook(tmpPath, name);
    const meta = notebook.metadata.nbrepro;
    const [before, install, after] = notebook.cells.map(
      (c: any) => c.metadata.nbrepro
    );
    expect(before.env).not.toBe(after.env);
    // The install cell ran in the old environment and changed it at its end.
    expect(install.env).toBe(after.env);
    const has = (id: string) =>
      JSON.stringify(meta.snapshots[id].environment.pip).includes(WHEEL_NAME);
    expect(has(before.env)).toBe(false);
    expect(has(after.env)).toBe(true);
    // The notebook still vouches for the environment it started in: the
    // install is drift, minor (a package added), until the user accepts it.
    expect(meta.current).toBe(before.env);
    const item = page.locator('.jp-nbrepro-Status');
    await expect(item).toHaveAttribute('data-drift', /^(low|medium)$/);
    await expect(item).toHaveText('nbrepro: minor drift');

    // The panel says that the outputs come from two environments.
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('nbrepro:show-environment')
    );
    const panel = page.locator('#nbrepro-sidebar');
    await expect(panel).toBeVisible();
    await expect(panel.locator('.jp-nbrepro-Panel-mixed')).toContainText(
      '2 different environments'
    );
    await expect(
      panel.locator(`[data-snapshot="${before.env}"]`)
    ).toContainText('cell 1');
    await expect(panel.locator(`[data-snapshot="${after.env}"]`)).toContainText(
      'cells 2, 3'
    );
    await expect(panel.locator('.jp-nbrepro-Panel-stale')).toHaveCount(0);

    // A newer version installed over the loaded module, without a restart:
    // the kernel still runs 1.0, and the panel says so for every cell since.
    const newer = makeWheel(
      path.join(os.tmpdir(), 'nbrepro-ui-wheels'),
      WHEEL_NAME,
      '2.0'
    );
    await page.notebook.addCell(
      'code',
      `%pip install --no-index --no-deps -q ${JSON.stringify(newer)}`
    );
    await page.notebook.addCell('code', `print(${WHEEL_NAME}.VALUE)`);
    await page.notebook.runCell(3, true);
    await page.notebook.runCell(4, true);
    await waitForCellRecords(page, 5);
    await expect(panel.locator('.jp-nbrepro-Panel-stale')).toHaveText(
      `cells 4, 5 ran ${WHEEL_NAME} 1.0, loaded before ${WHEEL_NAME} 2.0 ` +
        'was installed without a restart: restart the kernel and run them again',
      { timeout: 30_000 }
    );
  });
});
