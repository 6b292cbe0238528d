import { expect, test } from '@jupyterlab/galata';

test('without the server part the user is told so in plain words', async ({
  page
}) => {
  await page.notebook.createNew('missing.ipynb', { kernel: 'python3' });
  const item = page.locator('.jp-nbrepro-Status');
  await expect(item).toHaveAttribute('data-state', 'missing');
  await expect(item).toHaveText('nbrepro: server part missing');
  const toast = page.locator('.Toastify__toast').filter({
    hasText: 'server part did not answer'
  });
  await expect(toast).toBeVisible();
  await expect(toast).toContainText('pip install nbrepro');
});
