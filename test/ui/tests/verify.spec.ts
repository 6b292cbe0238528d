/**
 * Verify inside JupyterLab: the notebook re-run in a fresh kernel on the
 * server and compared with its recording, each cell marked beside it, the
 * file and the user's kernel left alone; Cancel stops a run.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { recordNotebook, serverRoot, writePicture } from './nbfiles';

const CELLS = [
  "print('the same every time')",
  "print(open('value.txt').read())",
  "from IPython.display import Image, display\ndisplay(Image(filename='picture.png'))"
];

function folder(tmpPath: string): string {
  return path.join(serverRoot(), tmpPath);
}

/**
 * A notebook recorded with value.txt and picture.png as they were, both
 * changed since: cell 1 gives the same output, cells 2 and 3 do not.
 */
function changedSinceRecording(tmpPath: string): string {
  const dir = folder(tmpPath);
  fs.writeFileSync(path.join(dir, 'value.txt'), '0.5');
  writePicture(path.join(dir, 'picture.png'), [250, 250, 250]);
  const file = path.join(dir, 'verified.ipynb');
  recordNotebook(file, CELLS);
  fs.writeFileSync(path.join(dir, 'value.txt'), '0.75');
  writePicture(path.join(dir, 'picture.png'), [10, 10, 10]);
  return file;
}

async function openRecorded(page: IJupyterLabPageFixture, file: string) {
  await page.notebook.openByPath(path.relative(serverRoot(), file));
  await page.notebook.activate(path.basename(file));
  // The kernel started and was compared with the recording.
  await expect(page.locator('.jp-nbrepro-Status')).toHaveAttribute(
    'data-capture',
    'recorded',
    { timeout: 60_000 }
  );
}

function executionCounts(page: IJupyterLabPageFixture) {
  return page.evaluate(() => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    const cells = widget.content.model.cells;
    const counts = [];
    for (let i = 0; i < cells.length; i++) {
      counts.push(cells.get(i).executionCount ?? null);
    }
    return { counts, dirty: widget.context.model.dirty };
  });
}

test('Verify from the toolbar marks each cell, shows a differing image side by side, and leaves the file alone', async ({
  page,
  tmpPath
}) => {
  const file = changedSinceRecording(tmpPath);
  await openRecorded(page, file);
  const before = fs.readFileSync(file);
  const mtime = fs.statSync(file).mtimeMs;
  const shown = await executionCounts(page);
  expect(shown.dirty).toBe(false);

  const started = Date.now();
  await page
    .locator('.jp-NotebookPanel-toolbar .jp-nbrepro-VerifyButton')
    .click();
  const section = page.locator('.jp-nbrepro-VerifyPanel');
  await expect(section).toBeVisible();
  await expect(section).toHaveAttribute('data-state', 'done', {
    timeout: 120_000
  });
  console.log(`verify in JupyterLab: ${(Date.now() - started) / 1000} s`);
  await expect(section.locator('.jp-nbrepro-VerifyPanel-summary')).toHaveText(
    '1 cell the same, 2 different.'
  );
  // In the panel, each code cell named as the notebook shows it.
  await expect(section.locator('.jp-nbrepro-VerifyPanel-cell')).toHaveText([
    /^cell \[1\]Same$/,
    /^cell \[2\]Differentprinted output differs: recorded “0\.5”, now “0\.75”\. Likely cause: input data changed: value\.txt/,
    /^cell \[3\]Differentdisplay 1: the image differs\. Likely cause: input data changed: picture\.png/
  ]);

  // Beside each cell, its verdict.
  const marks = page.locator('.jp-Notebook .jp-nbrepro-VerifyMark');
  await expect(marks).toHaveCount(3);
  await expect(marks).toHaveText(['✓Same', '≠Different', '≠Different']);
  const cells = page.locator('.jp-Notebook .jp-Cell');
  await expect(cells.nth(0).locator('.jp-nbrepro-VerifyMark')).toHaveCount(0);
  await expect(cells.nth(3).locator('.jp-nbrepro-VerifyMark')).toHaveAttribute(
    'data-status',
    'different'
  );

  // A click on the image cell's mark: the two images side by side.
  await cells.nth(3).locator('.jp-nbrepro-VerifyMark').click();
  const dialog = page.locator('.jp-Dialog', {
    has: page.locator('.jp-nbrepro-VerifyDetails')
  });
  await expect(dialog).toContainText('Verify: cell [3] — Different');
  const images = dialog.locator('.jp-nbrepro-VerifyDetails-images img');
  await expect(images).toHaveCount(2);
  await expect(dialog.locator('figcaption')).toHaveText(['Recorded', 'Now']);
  const [left, right] = await Promise.all([
    images.nth(0).boundingBox(),
    images.nth(1).boundingBox()
  ]);
  expect(left && right).toBeTruthy();
  expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
  expect(Math.abs(right!.y - left!.y)).toBeLessThan(2);
  expect(
    await images.nth(0).evaluate((img: HTMLImageElement) => img.naturalWidth)
  ).toBe(48);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The text difference, from the panel's list.
  await section.getByRole('button', { name: /cell \[2\]/ }).click();
  await expect(dialog).toContainText('Recorded0.5');
  await expect(dialog).toContainText('Now0.75');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The file is byte-identical, not written, and the tab is clean; the
  // user's kernel ran nothing (the counts shown are the recording's).
  expect(fs.readFileSync(file).equals(before)).toBe(true);
  expect(fs.statSync(file).mtimeMs).toBe(mtime);
  expect(await executionCounts(page)).toEqual(shown);
});

test('Cancel stops a verify run; the panel says so and can run it again', async ({
  page,
  tmpPath
}) => {
  const dir = folder(tmpPath);
  fs.writeFileSync(path.join(dir, 'sleep.txt'), '0');
  const file = path.join(dir, 'slow.ipynb');
  recordNotebook(file, [
    "print('first')",
    "import time\ntime.sleep(float(open('sleep.txt').read()))",
    "print('last')"
  ]);
  fs.writeFileSync(path.join(dir, 'sleep.txt'), '300');
  await openRecorded(page, file);
  const before = fs.readFileSync(file);

  // From the command palette.
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('nbrepro:verify')
  );
  const section = page.locator('.jp-nbrepro-VerifyPanel');
  await expect(section.locator('.jp-nbrepro-VerifyPanel-progress')).toHaveText(
    'Running cell 2 of 3 in a fresh kernel…',
    { timeout: 60_000 }
  );
  await section.getByRole('button', { name: 'Cancel verify' }).click();
  await expect(section).toHaveAttribute('data-state', 'cancelled', {
    timeout: 20_000
  });
  await expect(section).toContainText(
    'Verify cancelled; its kernel was shut down. Nothing was changed.'
  );
  await expect(page.locator('.jp-nbrepro-VerifyMark')).toHaveCount(0);
  await expect(
    section.getByRole('button', { name: 'Verify again' })
  ).toBeVisible();
  expect(fs.readFileSync(file).equals(before)).toBe(true);
});
