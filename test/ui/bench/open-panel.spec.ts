/**
 * Browser benchmark (not a timed test): how long opening a recorded notebook
 * takes to reach the panel's final state, and how much of that time the
 * panel shows a wrong one ("Not recorded yet" for a notebook that records an
 * environment, or nothing about it).
 *
 *   NBREPRO_BENCH=1 npx --no-install playwright test \
 *     --config test/ui/playwright.config.js --project=bench open-panel.spec.ts
 *
 * The panel is open before the notebook is; each round opens the notebook
 * with a new kernel (the first kernel start of the server is left out), and
 * the times are taken in the page from the open command: every change of
 * the panel's header is stamped by a MutationObserver. The median of the
 * rounds goes to bench/results/ui-open-panel.json (NBREPRO_BENCH_TAG names
 * the run: before / after).
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { driftedNotebook, repo } from '../tests/nbfiles';

const ROUNDS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

test('opening a recorded notebook to the panel’s final state', async ({
  page,
  tmpPath
}) => {
  test.setTimeout(15 * 60 * 1000);
  await page.setViewportSize({ width: 1400, height: 900 });
  const name = 'bench-open.ipynb';
  await page.contents.uploadContent(
    driftedNotebook('feedfacefeedface'),
    'text',
    `${tmpPath}/${name}`
  );
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('nbrepro:show-panel')
  );
  await expect(page.locator('#nbrepro-sidebar')).toBeVisible();

  const rounds: { total: number; wrong: number; states: string[] }[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const result = await page.evaluate(async (file: string) => {
      const app = (window as any).jupyterapp;
      const sidebar = document.getElementById('nbrepro-sidebar')!;
      const stamps: { t: number; text: string; final: boolean }[] = [];
      const t0 = performance.now();
      const look = () => {
        const header = sidebar.querySelector(
          '.jp-nbrepro-Sidebar-header'
        ) as HTMLElement | null;
        const text = sidebar.innerText;
        const final =
          header?.dataset.state === 'serious' && text.includes('1.26.4');
        const state = header
          ? `${header.dataset.state}: ${
              header.querySelector('.jp-nbrepro-Sidebar-state')?.textContent
            }`
          : '';
        if (stamps.length === 0 || stamps[stamps.length - 1].text !== state) {
          stamps.push({ t: performance.now() - t0, text: state, final });
        } else if (final && !stamps[stamps.length - 1].final) {
          stamps.push({ t: performance.now() - t0, text: state, final });
        }
        return final;
      };
      const done = new Promise<void>(resolve => {
        const observer = new MutationObserver(() => {
          if (look()) {
            observer.disconnect();
            resolve();
          }
        });
        observer.observe(sidebar, {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true
        });
      });
      await app.commands.execute('docmanager:open', { path: file });
      look();
      await Promise.race([
        done,
        new Promise(resolve => setTimeout(resolve, 60_000))
      ]);
      const end = stamps.find(stamp => stamp.final)?.t ?? -1;
      // Wrong: the header says the notebook records nothing, or names no
      // notebook, after the open command while the notebook does record one.
      let wrong = 0;
      for (let i = 0; i < stamps.length; i++) {
        const next = i + 1 < stamps.length ? stamps[i + 1].t : end;
        if (/Not recorded yet|No notebook/.test(stamps[i].text)) {
          wrong += Math.max(0, next - stamps[i].t);
        }
      }
      return {
        total: end,
        wrong,
        states: stamps.map(s => `${Math.round(s.t)} ms ${s.text}`)
      };
    }, `${tmpPath}/${name}`);
    // Close the notebook and shut its kernel down: the next round starts one.
    await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      const widget = app.shell.currentWidget;
      await widget.sessionContext.shutdown();
      widget.dispose();
    });
    await page.waitForTimeout(1000);
    if (round > 0) {
      rounds.push(result);
    }
    console.log(`round ${round}:`, JSON.stringify(result));
  }
  expect(rounds.every(r => r.total > 0)).toBe(true);
  const summary = {
    tag: process.env.NBREPRO_BENCH_TAG ?? '',
    rounds: rounds.length,
    open_to_final_median_ms: Math.round(median(rounds.map(r => r.total))),
    wrong_state_median_ms: Math.round(median(rounds.map(r => r.wrong))),
    example: rounds[0].states
  };
  console.log(JSON.stringify(summary, null, 2));
  const out = path.join(repo, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, 'ui-open-panel.json');
  const all = fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, 'utf-8'))
    : {};
  all[summary.tag || 'latest'] = summary;
  fs.writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
});
