/**
 * The README's screenshots, taken from a real JupyterLab:
 * `npm run screenshots` writes them to docs/images/.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { driftedNotebook, repo, waitForCellRecords } from '../tests/nbfiles';

const images = path.join(repo, 'docs', 'images');

test('status item and the nbrepro panel', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 1000 });
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
});

test('drift notification and the panel', async ({ page, tmpPath }) => {
  await page.setViewportSize({ width: 1400, height: 1000 });
  const file = `${tmpPath}/paper-figures.ipynb`;
  const notebook = JSON.parse(driftedNotebook('feedfacefeedface'));
  const env = notebook.metadata.nbrepro.snapshots.feedfacefeedface.environment;
  const six = env.pip.distributions.find(
    (d: any) => d.name.toLowerCase() === 'six'
  );
  if (six) {
    six.version = '1.16.0';
  }
  notebook.cells[0].source =
    'import numpy as np\nnp.random.seed(0)\nprint(np.__version__)';
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', file);
  await page.notebook.openByPath(file);
  await page.notebook.activate('paper-figures.ipynb');
  const toast = page.locator('.Toastify__toast').filter({
    hasText: 'runs on a different environment'
  });
  await expect(toast).toBeVisible({ timeout: 30_000 });
  await toast.screenshot({ path: path.join(images, 'drift-notification.png') });
  await page.notebook.runCell(0);
  await toast.getByRole('button', { name: 'Details' }).click();
  const sidebar = page.locator('#nbrepro-sidebar');
  await expect(sidebar).toBeVisible();
  await expect(
    sidebar.locator(
      '.jp-nbrepro-DriftPanel-row[data-name="numpy"] .jp-nbrepro-DriftPanel-used'
    )
  ).toHaveText('imported');
  // The toast slides; a DOM click is enough to dismiss it.
  await toast.getByRole('button', { name: 'Dismiss' }).dispatchEvent('click');
  await expect(toast).toBeHidden();
  await sidebar.evaluate(node => (node.scrollTop = 0));
  await sidebar.screenshot({ path: path.join(images, 'sidebar-panel.png') });
  await sidebar
    .locator('.jp-nbrepro-DriftPanel')
    .screenshot({ path: path.join(images, 'drift-panel.png') });
});

test('export dialog with a finding', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.notebook.createNew('paper.ipynb', { kernel: 'python3' });
  await page.notebook.setCell(
    0,
    'code',
    'import numpy as np\nrng = np.random.default_rng(7)'
  );
  await page.notebook.addCell('code', 'x = rng.normal(size=1000)\nx.mean()');
  await page.notebook.run();
  await waitForCellRecords(page, 2);
  // Edited after it ran: the export's check names it.
  await page.notebook.setCell(1, 'code', 'x = rng.normal(size=10)\nx.mean()');
  await page.menu.clickMenuItem('File>Export Reproducible Bundle…');
  const dialog = page.locator('.jp-Dialog-content', {
    has: page.locator('.jp-nbrepro-ExportDialog')
  });
  await expect(dialog).toContainText('changed after running');
  await dialog.screenshot({ path: path.join(images, 'export-dialog.png') });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});
