import { expect, test } from '@jupyterlab/galata';

test.describe('nbrepro in a real JupyterLab', () => {
  test('the status item shows for a notebook whose cell ran in a real kernel', async ({
    page
  }) => {
    const name = 'status.ipynb';
    await page.notebook.createNew(name, { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'print(6 * 7)');
    await page.notebook.runCell(0);
    expect(await page.notebook.getCellTextOutput(0)).toEqual(['42\n']);

    const item = page.locator('.jp-nbrepro-Status');
    await expect(item).toBeVisible();
    await expect(item).toHaveAttribute('data-state', 'ok');
    // Once the server part answered, the item tells what was recorded.
    await expect(item).toHaveAttribute('data-capture', 'recorded');
    await expect(item).toHaveText('nbrepro: matching');
    await expect(item).toHaveAttribute('title', /Environment recorded/);
  });

  test('the status item follows the active notebook', async ({ page }) => {
    await page.notebook.createNew('follow.ipynb', { kernel: 'python3' });
    const item = page.locator('.jp-nbrepro-Status');
    await expect(item).toBeVisible();
    // The launcher is not a notebook: the item steps aside.
    await page.menu.clickMenuItem('File>New Launcher');
    await expect(item).toBeHidden();
  });

  test('the palette command shows the status in a dialog', async ({ page }) => {
    await page.notebook.createNew('palette.ipynb', { kernel: 'python3' });
    // Wait until the new notebook settled (its editor takes the focus, and
    // the modal palette closes when it loses the focus), then open the
    // palette the way its menu entry does, again if focus closed it.
    await expect(page.locator('.jp-nbrepro-Status')).toHaveAttribute(
      'data-capture',
      'recorded'
    );
    const search = page.locator('.lm-CommandPalette-input');
    await expect(async () => {
      await page.evaluate(() =>
        (window as any).jupyterapp.commands.execute(
          'apputils:activate-command-palette'
        )
      );
      await search.fill('nbrepro: Show Status', { timeout: 2000 });
    }).toPass({ timeout: 30_000 });
    await expect(
      page.locator('.lm-CommandPalette-item', {
        hasText: 'nbrepro: Show Status'
      })
    ).toBeVisible();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('server part answered');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });

  test('a notebook nothing ran in says "not recorded yet", and the dialog names its button', async ({
    page
  }) => {
    await page.notebook.createNew('unrun.ipynb', { kernel: 'python3' });
    const item = page.locator('.jp-nbrepro-Status');
    // The kernel's environment is held in memory, not in the notebook.
    await expect(item).toHaveAttribute('data-capture', 'recorded', {
      timeout: 30_000
    });
    await expect(item).toHaveText('nbrepro: not recorded yet');
    await page.notebook.setCell(0, 'code', 'print(6 * 7)');
    await page.notebook.runCell(0);
    await expect(item).toHaveText('nbrepro: matching', {
      timeout: 30_000
    });
    await expect(item).toHaveAttribute(
      'title',
      /Click to show the recorded environment\.$/
    );
    // (the command resolves when its dialog closes: not awaited here)
    await page.evaluate(() => {
      void (window as any).jupyterapp.commands.execute('nbrepro:show-status');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(
      'Open the panel to see the recorded environment.'
    );
    await expect(dialog).not.toContainText('Click');
    await expect(
      dialog.getByRole('button', { name: 'Open panel' })
    ).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });
});
