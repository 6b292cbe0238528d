/**
 * The core of nbrepro in a real Notebook 7 (`jupyter notebook`, no status
 * bar, one notebook a page): the toolbar indicator, the panel in the right
 * sidebar, Accept and Export.
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import {
  driftedNotebook,
  recordNotebook,
  writePicture
} from '../tests/nbfiles';

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

  await sidebar
    .getByRole('button', { name: 'Accept this environment…' })
    .click();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Accept' })
    .click();
  // No cell of this notebook ran in the recorded environment: it matches.
  await expect(sidebar.locator('.jp-nbrepro-Sidebar-header')).toHaveAttribute(
    'data-state',
    'matching'
  );
  await expect(indicator).toHaveText('Recorded and matching');
  await page.keyboard.press('Control+s');
  await expect
    .poll(
      () => {
        try {
          return JSON.parse(fs.readFileSync(file, 'utf-8')).metadata.nbrepro
            .current;
        } catch {
          return null; // read while the server writes it
        }
      },
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
  // The dialog selects the format last chosen (a user setting; each test
  // server has its own, but the zip test below may run first): a folder here.
  await dialog
    .getByRole('radio', { name: 'A folder, exported-bundle/' })
    .check();
  await dialog.getByRole('button', { name: /^Export( anyway)?$/ }).click();
  const toast = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'Bundle written to' });
  await expect(toast).toBeVisible({ timeout: 60_000 });
  const bundle = path.join(root(), folder, 'exported-bundle');
  expect(fs.existsSync(path.join(bundle, 'run.sh'))).toBe(true);
  expect(fs.existsSync(path.join(bundle, 'manifest.json'))).toBe(true);

  // The toast opens the README in a tab of its own, Notebook 7's way with files.
  const [readme] = await Promise.all([
    page.context().waitForEvent('page'),
    toast.getByRole('button', { name: 'Open README' }).click()
  ]);
  await expect(readme).toHaveURL(/exported-bundle\/README\.md/, {
    timeout: 30_000
  });
  await expect(readme.getByText('./run.sh --verify').first()).toBeVisible({
    timeout: 60_000
  });
  await readme.close();
});

test('Notebook 7: a zip export offers its README, the download and the folder', async ({
  page
}, info) => {
  const folder = `nb7-zip-${info.workerIndex}`;
  const name = 'zipped.ipynb';
  writeNotebook(folder, name);
  await open(page, folder, name);
  // eslint-disable-next-line jupyter/galata-prefer-menu-helper
  await page.locator('.lm-MenuBar-itemLabel', { hasText: 'File' }).click();
  // eslint-disable-next-line jupyter/galata-prefer-menu-helper
  await page
    .locator('.lm-Menu-itemLabel', { hasText: 'Export Reproducible Bundle…' })
    .click();
  const dialog = page.locator('.jp-Dialog', {
    has: page.locator('.jp-nbrepro-ExportDialog')
  });
  await dialog.getByRole('radio', { name: 'A zip, zipped-bundle.zip' }).check();
  await dialog.getByRole('button', { name: /^Export( anyway)?$/ }).click();
  const toast = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'Bundle written to' });
  await expect(toast).toBeVisible({ timeout: 60_000 });
  await expect(toast.getByRole('button').filter({ hasText: /\S/ })).toHaveText([
    'Read README',
    'Download',
    'Open folder'
  ]);
  await toast.getByRole('button', { name: 'Read README' }).click();
  const readme = page.locator('.jp-Dialog', {
    has: page.locator('.jp-nbrepro-Readme')
  });
  await expect(readme).toContainText('README of zipped-bundle.zip');
  await expect(readme.locator('.jp-nbrepro-Readme')).toContainText(
    './run.sh --verify'
  );
  await readme.getByRole('button', { name: 'Close' }).click();
  const [tree] = await Promise.all([
    page.context().waitForEvent('page'),
    toast.getByRole('button', { name: 'Open folder' }).click()
  ]);
  await expect(tree).toHaveURL(new RegExp(`/tree/${folder}$`));
  await tree.close();
});

test('Notebook 7: Verify from the Kernel menu marks each cell and leaves the file alone', async ({
  page
}, info) => {
  const folder = `nb7-verify-${info.workerIndex}`;
  const dir = path.join(root(), folder);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'value.txt'), '1');
  writePicture(path.join(dir, 'picture.png'), [250, 250, 250]);
  const file = path.join(dir, 'verified.ipynb');
  recordNotebook(file, [
    "print('the same every time')",
    "print(open('value.txt').read())",
    "from IPython.display import Image, display\ndisplay(Image(filename='picture.png'))"
  ]);
  fs.writeFileSync(path.join(dir, 'value.txt'), '2');
  writePicture(path.join(dir, 'picture.png'), [10, 10, 10]);
  const before = fs.readFileSync(file);

  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/notebooks/${folder}/verified.ipynb`);
  const indicator = page.locator('.jp-nbrepro-ToolbarItem');
  await expect(indicator).toHaveAttribute('data-state', /matching|info/, {
    timeout: 60_000
  });
  // eslint-disable-next-line jupyter/galata-prefer-menu-helper
  await page.locator('.lm-MenuBar-itemLabel', { hasText: 'Kernel' }).click();
  // eslint-disable-next-line jupyter/galata-prefer-menu-helper
  await page
    .locator('.lm-Menu-itemLabel', {
      hasText: 'Verify Outputs in a Fresh Kernel'
    })
    .click();
  const section = page.locator('#nbrepro-sidebar .jp-nbrepro-VerifyPanel');
  await expect(section).toBeVisible();
  await expect(section).toHaveAttribute('data-state', 'done', {
    timeout: 120_000
  });
  await expect(section.locator('.jp-nbrepro-VerifyPanel-summary')).toHaveText(
    '1 cell the same, 2 different.'
  );
  const marks = page.locator('.jp-Notebook .jp-nbrepro-VerifyMark');
  await expect(marks).toHaveText(['✓Same', '≠Different', '≠Different']);
  await marks.nth(2).click();
  const details = page.locator('.jp-Dialog', {
    has: page.locator('.jp-nbrepro-VerifyDetails')
  });
  await expect(
    details.locator('.jp-nbrepro-VerifyDetails-images img')
  ).toHaveCount(2);
  await details.getByRole('button', { name: 'Close' }).click();
  expect(fs.readFileSync(file).equals(before)).toBe(true);
  // Not dirty either: Notebook 7 asks before leaving a page with unsaved
  // changes (its beforeunload handler); this page closes without asking.
  const asked: string[] = [];
  page.on('dialog', dialog => {
    asked.push(dialog.type());
    void dialog.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(asked).toEqual([]);
});

test('Notebook 7 asks before leaving a notebook with unsaved changes (what the test above relies on)', async ({
  page
}, info) => {
  const folder = `nb7-dirty-${info.workerIndex}`;
  writeNotebook(folder, 'dirty.ipynb');
  await open(page, folder, 'dirty.ipynb');
  // eslint-disable-next-line jupyter/galata-prefer-notebook-cell-helper
  await page.locator('.jp-Notebook .jp-Cell').first().click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('b'); // a new cell: the notebook is changed
  const asked: string[] = [];
  page.on('dialog', dialog => {
    asked.push(dialog.type());
    void dialog.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toEqual(['beforeunload']);
});
