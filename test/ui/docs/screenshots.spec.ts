/**
 * The README's screenshots, taken from a real JupyterLab:
 * `npm run screenshots` writes them to docs/images/.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { repo, waitForCellRecords } from '../tests/nbfiles';

const images = path.join(repo, 'docs', 'images');

test('status item and environment panel', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 1100 });
  await page.notebook.createNew('analysis.ipynb', { kernel: 'python3' });
  await page.notebook.setCell(
    0,
    'code',
    'import random\nimport numpy as np\n\nrandom.seed(42)\nrng = np.random.default_rng(7)'
  );
  await page.notebook.addCell('code', 'rng.normal(size=3).round(3)');
  await page.notebook.run();
  await waitForCellRecords(page, 2);
  const item = page.locator('.jp-nbrepro-Status');
  await expect(item).toHaveAttribute('data-capture', 'recorded');
  await page.locator('#jp-main-statusbar').screenshot({
    path: path.join(images, 'status-item.png')
  });
  await item.click();
  const panel = page.locator('.jp-nbrepro-Panel');
  await expect(panel).toBeVisible();
  await panel.locator('.jp-nbrepro-Panel-filter').fill('py');
  await panel.evaluate(node => (node.scrollTop = 0));
  await page.locator('.jp-nbrepro-Panel').screenshot({
    path: path.join(images, 'environment-panel.png')
  });
});
