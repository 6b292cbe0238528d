/**
 * Browser benchmark (not a timed test): Verify in JupyterLab (its command),
 * from the command to every cell's mark on screen, against `nbrepro verify`
 * on the same notebook in the same machine, each three times, interleaved.
 *
 *   NBREPRO_BENCH=1 npx playwright test --config test/ui/playwright.config.js \
 *     bench/verify-ui.spec.ts --project bench   (results: bench/results/ui-verify.json)
 *
 * Both start a fresh kernel and re-run every cell: the UI's run adds the
 * server's process start, its reading of the notebook through the contents
 * manager, and the polling (every 400 ms) for where the run stands.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { python, recordNotebook, repo, serverRoot } from '../tests/nbfiles';

const CELLS = [
  'import numpy as np',
  'rng = np.random.default_rng(0)\nx = rng.normal(size=1000)',
  'print(round(float(x.mean()), 6))',
  ...Array.from({ length: 7 }, (_, i) => `print(${i} * ${i})`)
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test('Verify in JupyterLab against nbrepro verify, on the same notebook', async ({
  page,
  tmpPath
}) => {
  test.setTimeout(20 * 60 * 1000);
  const file = path.join(serverRoot(), tmpPath, 'bench.ipynb');
  recordNotebook(file, CELLS);
  await page.notebook.openByPath(`${tmpPath}/bench.ipynb`);
  await expect(page.locator('.jp-nbrepro-Status')).toHaveAttribute(
    'data-capture',
    'recorded',
    { timeout: 60_000 }
  );
  const load: number[][] = [os.loadavg()];
  const cli: number[] = [];
  const ui: number[] = [];
  for (let i = 0; i < 3; i++) {
    let started = Date.now();
    try {
      execFileSync(python, ['-m', 'nbrepro', 'verify', '--json', file], {
        stdio: 'ignore'
      });
    } catch {
      // exit status 1: a cell differs; the time is what counts here
    }
    cli.push(Date.now() - started);

    const section = page.locator('.jp-nbrepro-VerifyPanel');
    if (i > 0) {
      // The last run's marks go first: this run's are counted from nothing.
      await section.getByRole('button', { name: 'Clear verify marks' }).click();
      await expect(section).toHaveAttribute('data-state', 'idle');
    }
    started = Date.now();
    // The command the toolbar's Verify runs (with the panel open, the
    // toolbar may have moved the button under "More commands").
    void page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('nbrepro:verify')
    );
    await expect(section).toHaveAttribute('data-state', 'done', {
      timeout: 300_000
    });
    await expect(
      page.locator('.jp-Notebook .jp-nbrepro-VerifyMark')
    ).toHaveCount(CELLS.length);
    ui.push(Date.now() - started);
    load.push(os.loadavg());
  }
  const summary = {
    cells: CELLS.length,
    cli_ms: cli,
    ui_ms: ui,
    cli_median_ms: median(cli),
    ui_median_ms: median(ui),
    ui_minus_cli_median_ms: median(ui) - median(cli),
    cpus: os.cpus().length,
    load_average_1_5_15: load
  };
  const out = path.join(repo, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(
    path.join(out, 'ui-verify.json'),
    JSON.stringify(summary, null, 2) + '\n'
  );
  console.log(JSON.stringify(summary, null, 2));
});
