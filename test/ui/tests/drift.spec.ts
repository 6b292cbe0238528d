import { expect, test } from '@jupyterlab/galata';

import { driftedNotebook, readNotebook } from './nbfiles';

const PAYLOAD = '<img src=x onerror="window.__nbreproPwned=1">';
const RECORDED = 'feedfacefeedface';

test('drift is announced once, explained, accepted, and gone after a reload', async ({
  page,
  tmpPath
}) => {
  const dialogs: string[] = [];
  page.on('dialog', dialog => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const name = 'drifted.ipynb';
  const path = `${tmpPath}/${name}`;
  await page.contents.uploadContent(
    driftedNotebook(RECORDED, [PAYLOAD]),
    'text',
    path
  );
  await page.notebook.openByPath(path);
  await page.notebook.activate(name);

  // Opening the notebook starts its kernel, which is captured and compared.
  const item = page.locator('.jp-nbrepro-Status');
  await expect(item).toHaveAttribute('data-drift', 'high', { timeout: 30_000 });
  await expect(item).toHaveText('nbrepro: serious drift');
  const toast = page.locator('.Toastify__toast').filter({
    hasText: 'runs on a different environment'
  });
  await expect(toast).toHaveCount(1);
  await page.screenshot({ path: 'test-results/drift-notification.png' });

  // Running cells does not announce the same drift again.
  await page.notebook.runCell(0);
  await page.waitForTimeout(1000);
  await expect(toast).toHaveCount(1);

  await toast.getByRole('button', { name: 'Details' }).click();
  const panel = page.locator('#nbrepro-sidebar .jp-nbrepro-DriftPanel');
  await expect(panel).toBeVisible();
  const numpyRow = panel.locator('tr[data-kind="package-upgraded"]', {
    hasText: 'numpy'
  });
  await expect(numpyRow).toContainText('1.26.4');
  await expect(numpyRow).toContainText('upgraded, major');
  await expect(panel.locator('section[data-severity="high"]')).toContainText(
    'numpy'
  );
  // One command per manager, for the kernel's own Python.
  await expect(
    panel.locator('.jp-nbrepro-DriftPanel-restore[data-form="magic"]')
  ).toHaveText(/^%pip install numpy==1\.26\.4 /);
  await expect(
    panel.locator('.jp-nbrepro-DriftPanel-restore[data-form="shell"]')
  ).toContainText('-m pip install numpy==1.26.4');
  // Copy says that it copied.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const copy = panel.locator('.jp-nbrepro-Copy').first();
  await copy.click();
  await expect(copy).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(
    /^%pip install numpy==1\.26\.4 /
  );
  // The package named with HTML shows as text; nothing ran.
  await expect(panel).toContainText(PAYLOAD);
  expect(await panel.locator('img').count()).toBe(0);
  expect(
    await page.evaluate(() => (window as any).__nbreproPwned)
  ).toBeUndefined();
  expect(dialogs).toEqual([]);

  await panel.getByRole('button', { name: 'Accept this environment…' }).click();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Accept' })
    .click();
  await expect(item).toHaveAttribute('data-drift', 'none');
  await expect(panel).toContainText('matches the environment recorded');
  await page.notebook.save();
  const saved = readNotebook(tmpPath, name).metadata.nbrepro;
  expect(saved.current).not.toBe(RECORDED);
  // Pruned on save: the old snapshot is referenced by nothing now.
  expect(Object.keys(saved.snapshots)).toEqual([saved.current]);

  // Reload: no warning, the status says the kernel matches.
  await page.notebook.close();
  await page.notebook.openByPath(path);
  await page.notebook.activate(name);
  await expect(item).toHaveAttribute('data-capture', 'recorded', {
    timeout: 30_000
  });
  await expect(item).toHaveAttribute('data-drift', 'none');
  await expect(item).toHaveText('nbrepro: matching');
});
