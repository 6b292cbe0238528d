import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { driftedNotebook, listFolder, waitForCellRecords } from './nbfiles';

const MENU_ITEM = 'File>Export Reproducible Bundle…';
// "Export anyway" when the dialog lists findings: the test venv's packages no
// index has (an editable nbrepro, a CPU build of torch) are always among them.
const EXPORT_BUTTON = /^Export( anyway)?$/;

async function runTwoCells(page: IJupyterLabPageFixture, name: string) {
  await page.notebook.createNew(name, { kernel: 'python3' });
  await page.notebook.setCell(0, 'code', 'import random\nrandom.seed(11)');
  await page.notebook.addCell('code', 'print(round(random.random(), 4))');
  await page.notebook.run();
  await waitForCellRecords(page, 2);
}

function exportDialog(page: IJupyterLabPageFixture) {
  return page.locator('.jp-Dialog', {
    has: page.locator('.jp-nbrepro-ExportDialog')
  });
}

function successToast(page: IJupyterLabPageFixture) {
  return page
    .locator('.Toastify__toast')
    .filter({ hasText: 'Bundle written to' });
}

test('export from the File menu writes a bundle beside the notebook, opens its README, selects it in the file browser, and asks before replacing it', async ({
  page,
  tmpPath
}) => {
  await runTwoCells(page, 'exported.ipynb');
  // Unsaved on purpose: the command saves before the server reads the file.
  await page.menu.clickMenuItem(MENU_ITEM);

  const dialog = exportDialog(page);
  // The test kernel's venv holds nbrepro installed editable and a CPU build of
  // torch (a local version label): packages no index has are the only
  // findings a notebook run cleanly from the top gets here.
  // The dialog names what it will write (issue 23).
  await expect(
    dialog.getByRole('radio', { name: 'A folder, exported-bundle/' })
  ).toBeChecked();
  await expect(
    dialog.getByRole('radio', { name: 'A zip, exported-bundle.zip' })
  ).not.toBeChecked();
  const findings = await dialog
    .locator('.jp-nbrepro-ExportDialog-findings li')
    .allTextContents();
  for (const finding of findings) {
    expect(finding).toMatch(/^Package no index has: (nbrepro|torch) /);
  }
  await dialog.getByRole('button', { name: EXPORT_BUTTON }).click();

  const toast = successToast(page);
  await expect(toast).toContainText(`${tmpPath}/exported-bundle`, {
    timeout: 60_000
  });
  const files = listFolder(tmpPath, 'exported-bundle');
  expect(files).toEqual(
    expect.arrayContaining([
      'manifest.json',
      'exported.py',
      'exported.ipynb',
      'run.sh',
      'README.md'
    ])
  );
  // The toast opens the bundle's README (how to rebuild and verify) in
  // JupyterLab's Markdown viewer.
  await toast.getByRole('button', { name: 'Open README' }).click();
  const readme = page.locator('.jp-MarkdownViewer', {
    hasText: './run.sh --verify'
  });
  await expect(readme).toBeVisible({ timeout: 30_000 });
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current')
  ).toHaveText(/README\.md/);
  // "Show in file browser": the notebook's folder, with the bundle selected.
  await toast.getByRole('button', { name: 'Show in file browser' }).click();
  const selected = page.locator('.jp-DirListing-item.jp-mod-selected');
  await expect(selected).toHaveCount(1);
  await expect(selected.locator('.jp-DirListing-itemText')).toHaveText(
    'exported-bundle'
  );
  await expect(page.locator('.jp-FileBrowser-crumbs')).not.toContainText(
    'exported-bundle'
  );

  // Again: the bundle exists, so the user is asked before it is replaced.
  await page.notebook.activate('exported.ipynb');
  await page.menu.clickMenuItem(MENU_ITEM);
  await exportDialog(page).getByRole('button', { name: EXPORT_BUTTON }).click();
  const replace = page.locator('.jp-Dialog', {
    hasText: 'Replace the existing bundle?'
  });
  await expect(replace).toContainText('exported-bundle already exists');
  await replace.getByRole('button', { name: 'Replace' }).click();
  await expect(successToast(page)).toHaveCount(1, { timeout: 60_000 });
  expect(listFolder(tmpPath, 'exported-bundle')).toEqual(files);
});

test('a zip export can be downloaded, and its README read, from the notification', async ({
  page,
  tmpPath
}) => {
  await runTwoCells(page, 'zipped.ipynb');
  await page.menu.clickMenuItem(MENU_ITEM);
  const dialog = exportDialog(page);
  await dialog.getByRole('radio', { name: 'A zip, zipped-bundle.zip' }).check();
  await dialog.getByRole('button', { name: EXPORT_BUTTON }).click();

  const toast = successToast(page);
  await expect(toast).toContainText(`${tmpPath}/zipped-bundle.zip`, {
    timeout: 60_000
  });
  // A zip's files cannot be opened in place: the toast shows its README.
  await toast.getByRole('button', { name: 'Read README' }).click();
  const readme = page.locator('.jp-Dialog', {
    has: page.locator('.jp-nbrepro-Readme')
  });
  await expect(readme).toContainText('README of zipped-bundle.zip');
  await expect(readme.locator('.jp-nbrepro-Readme')).toContainText(
    './run.sh --verify'
  );
  await readme.getByRole('button', { name: 'Close' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    toast.getByRole('button', { name: 'Download' }).click()
  ]);
  expect(download.suggestedFilename()).toBe('zipped-bundle.zip');
  expect(listFolder(tmpPath, '.')).toContain('zipped-bundle.zip');
});

test('a cell edited after it ran is listed, and Cancel writes nothing', async ({
  page,
  tmpPath
}) => {
  await runTwoCells(page, 'edited.ipynb');
  await page.notebook.setCell(1, 'code', 'print("not what ran")');
  await page.menu.clickMenuItem(MENU_ITEM);

  const dialog = exportDialog(page);
  const finding = dialog.locator('li[data-kind="edited-after-run"]');
  await expect(finding).toContainText('Edited after running');
  await expect(finding).toContainText('cell 2 changed after running');
  await expect(
    dialog.getByRole('button', { name: 'Export anyway' })
  ).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  await page.waitForTimeout(500);
  expect(listFolder(tmpPath, 'edited-bundle')).toBeNull();
  expect(
    (listFolder(tmpPath, '.') ?? []).filter(name => !name.startsWith('.'))
  ).toEqual(['edited.ipynb']);
});

test('the kernel drifting from the recorded environment is listed before export', async ({
  page,
  tmpPath
}) => {
  const file = `${tmpPath}/drifted.ipynb`;
  await page.contents.uploadContent(
    driftedNotebook('feedfacefeedf00d'),
    'text',
    file
  );
  await page.notebook.openByPath(file);
  await page.notebook.activate('drifted.ipynb');
  // The kernel's environment is captured at start; no cell has run.
  await expect(page.locator('.jp-nbrepro-Status')).toHaveAttribute(
    'data-drift',
    /high|medium|low|info/,
    { timeout: 60_000 }
  );
  await page.menu.clickMenuItem(MENU_ITEM);
  const dialog = exportDialog(page);
  const drift = dialog.locator('li[data-kind="drift"]');
  await expect(drift).toContainText("running kernel's environment differs");
  await expect(drift).toContainText('numpy 1.26.4 →');
  // In the panel's words (issue 23): serious, not "high"; a whole sentence.
  await expect(drift).toContainText('(1 serious');
  await expect(drift).not.toContainText(/\b\d+ (high|medium|low|info)\b/);
  await expect(drift).toContainText(/run the cells again before exporting$/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});
