/**
 * Browser benchmark (not a timed test): how much time nbrepro's capture adds
 * from executing a cell to the kernel going idle, with capture on versus off.
 *
 *   npm run bench:ui        (results in bench/results/ui-capture.json)
 *
 * Two workloads, each measured with capture on and off in the same server:
 * 100 short cells run one after the other, and a Run All of 200 cells.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { repo } from '../tests/nbfiles';

const SEQUENTIAL = 100;
const RUN_ALL = 200;
const results: { [key: string]: unknown } = {};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function prepare(page: any, cells: number): Promise<void> {
  await page.notebook.createNew(undefined, { kernel: 'python3' });
  await page.notebook.setCell(0, 'code', 'x = 0');
  await page.evaluate(async (count: number) => {
    const app = (window as any).jupyterapp;
    const model = app.shell.currentWidget.content.model;
    const sources = Array.from(
      { length: count - 1 },
      (_, i) => `x += ${i + 1}`
    );
    model.sharedModel.insertCells(
      1,
      sources.map(source => ({ cell_type: 'code', source }))
    );
    await app.shell.currentWidget.sessionContext.ready;
  }, cells);
  // Let the kernel start and the start-up capture finish.
  await page.waitForTimeout(2000);
}

/**
 * In the page: run the cells one by one (or all at once) and, for each run,
 * the time from the command to the kernel being idle with nothing queued.
 */
async function measure(
  page: any,
  mode: 'sequential' | 'all'
): Promise<number[]> {
  return page.evaluate(async (how: string) => {
    const app = (window as any).jupyterapp;
    const panel = app.shell.currentWidget;
    const kernel = panel.sessionContext.session.kernel;
    const idle = () =>
      new Promise<void>(resolve => {
        // Idle for 20 ms in a row: our silent collect, if any, has run too.
        let since = performance.now();
        const check = () => {
          if (kernel.status !== 'idle') {
            since = performance.now();
          }
          if (performance.now() - since >= 20) {
            resolve();
          } else {
            setTimeout(check, 1);
          }
        };
        check();
      });
    const times: number[] = [];
    if (how === 'all') {
      const started = performance.now();
      await app.commands.execute('notebook:run-all-cells');
      await idle();
      times.push(performance.now() - started - 20);
      return times;
    }
    const count = panel.content.widgets.length;
    panel.content.activeCellIndex = 0;
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await app.commands.execute('notebook:run-cell-and-select-next');
      await idle();
      times.push(performance.now() - started - 20);
    }
    return times;
  }, mode);
}

for (const capture of [false, true]) {
  test.describe(`capture ${capture ? 'on' : 'off'}`, () => {
    test.use({
      mockSettings: {
        ...galata.DEFAULT_SETTINGS,
        'nbrepro:plugin': { captureEnabled: capture }
      }
    });

    test(`${SEQUENTIAL} short cells, one after the other`, async ({ page }) => {
      await prepare(page, SEQUENTIAL);
      const times = await measure(page, 'sequential');
      expect(times).toHaveLength(SEQUENTIAL);
      results[`sequential_${capture ? 'on' : 'off'}_median_ms`] = median(times);
    });

    test(`Run All of ${RUN_ALL} cells`, async ({ page }) => {
      await prepare(page, RUN_ALL);
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        runs.push((await measure(page, 'all'))[0]);
      }
      results[`run_all_${capture ? 'on' : 'off'}_median_ms`] = median(runs);
    });
  });
}

test.afterAll(() => {
  const r = results as { [key: string]: number };
  const summary = {
    ...r,
    sequential_added_ms_per_cell:
      r.sequential_on_median_ms - r.sequential_off_median_ms,
    run_all_added_ms_per_cell:
      (r.run_all_on_median_ms - r.run_all_off_median_ms) / RUN_ALL
  };
  const out = path.join(repo, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(
    path.join(out, 'ui-capture.json'),
    JSON.stringify(summary, null, 2) + '\n'
  );
  console.log(JSON.stringify(summary, null, 2));
});
