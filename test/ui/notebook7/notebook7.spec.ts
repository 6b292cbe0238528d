/**
 * The core of nbrepro in a real Notebook 7 (`jupyter notebook`, no status
 * bar, one notebook a page): the toolbar indicator, the panel in the right
 * sidebar, Accept and Export.
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { driftedNotebook } from '../tests/nbfiles';

const RECORDED = 'feedfacefeedface';

function root(): string {
  const dir = process.env.NBREPRO_UI_NOTEBOOK7_ROOT;
  if (!dir) {
    throw new Error('run through test/ui/playwright.config.js');
  }
  return dir;
}

/**
 * A notebook file under the server's root, in a folder of its own.
 */
function writeNotebook(folder: string, name: string): string {
  const dir = path.join(root(), folder);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, driftedNotebook(RECORDED));
  return file;
}

async function open(page: Page, folder: string, name: string) {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/notebooks/${folder}/${name}`);
  const indicator = page.locator('.jp-nbrepro-ToolbarItem');
  await expect(indicator).toBeVisible({ timeout: 60_000 });
  // The kernel started and was compared with the recorded environment.
  await expect(indicator).toHaveAttribute('data-state', 'serious', {
    timeout: 60_000
  });
  await expect(indicator).toHaveText('Serious drift');
  return indicator;
}

test('Notebook 7: the toolbar indicator opens the panel in the right sidebar, and Accept records', async ({
  page
}, info) => {
  const folder = `nb7-accept-${info.workerIndex}`;
  const name = 'accepted.ipynb';
  const file = writeNotebook(folder, name);
  const indicator = await open(page, folder, name);

  await indicator.click();
  const sidebar = page.locator('#nbrepro-sidebar');
  await expect(sidebar).toBeVisible();
  await expect(sidebar.locator('.jp-nbrepro-Sidebar-notebook')).toHaveText(
    name
  );
  await expect(
    sidebar.locator('.jp-nbrepro-DriftPanel-row[data-name="numpy"]')
  ).toContainText('upgraded, major');

  await sidebar.getByRole('button', { name: 'Accept environment' }).click();
  await expect(sidebar.locator('.jp-nbrepro-Sidebar-header')).toHaveAttribute(
    'data-state',
    'matching'
  );
  await expect(indicator).toHaveText('Recorded and matching');
  await page.keyboard.press('Control+s');
  await expect
    .poll(
      () => JSON.parse(fs.readFileSync(file, 'utf-8')).metadata.nbrepro.current,
      { timeout: 30_000 }
    )
    .not.toBe(RECORDED);
});

test('Notebook 7: every nbrepro command acts or says why, and Export writes a bundle', async ({
  page
}, info) => {
  const folder = `nb7-export-${info.workerIndex}`;
  const name = 'exported.ipynb';
  writeNotebook(folder, name);
  await open(page, folder, name);

  // The Kernel menu's entries open the panel (no main-area split here).
  await expect(page.locator('#nbrepro-sidebar')).toBeHidden();
  for (const label of [
    'Show Recorded Environment',
    'Show Environment Drift',
    'Show Reproducibility Panel'
  ]) {
    // Plain Playwright: galata's page.menu helper needs JupyterLab's page.
    // eslint-disable-next-line jupyter/galata-prefer-menu-helper
    await page.locator('.lm-MenuBar-itemLabel', { hasText: 'Kernel' }).click();
    // eslint-disable-next-line jupyter/galata-prefer-menu-helper
    await page
      .locator('.lm-Menu-itemLabel', { hasText: label })
      .first()
      .click();
    await expect(page.locator('#nbrepro-sidebar')).toBeVisible();
  }

  await page
    .locator('#nbrepro-sidebar')
    .getByRole('button', { name: 'Export…' })
    .click();
  const dialog = page.locator('.jp-Dialog', {
    has: page.locator('.jp-nbrepro-ExportDialog')
  });
  await expect(dialog).toBeVisible({ timeout: 30_000 });
  // The dialog selects the format last chosen (a user setting, which the
  // JupyterLab tests' zip export may have left): a folder is asked for here.
  await dialog.getByRole('radio', { name: 'Folder' }).check();
  await dialog.getByRole('button', { name: /^Export( anyway)?$/ }).click();
  await expect(
    page.locator('.Toastify__toast').filter({ hasText: 'Bundle written to' })
  ).toBeVisible({ timeout: 60_000 });
  const bundle = path.join(root(), folder, 'exported-bundle');
  expect(fs.existsSync(path.join(bundle, 'run.sh'))).toBe(true);
  expect(fs.existsSync(path.join(bundle, 'manifest.json'))).toBe(true);
});
