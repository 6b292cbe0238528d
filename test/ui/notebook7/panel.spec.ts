/**
 * Issue 23 in a real Notebook 7 (`jupyter notebook`): the panel fits the
 * window at 1024×768 with every section open, says things in words, takes
 * the keyboard focus when the toolbar indicator or the Kernel menu opens it,
 * never claims "Not recorded yet" for a notebook it has not read (one that
 * failed to load), and asks before Accept, then says what the outputs on
 * screen came from.
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { unfoldAll } from '../tests/fold';
import { recordedElsewhere, runPython, walkNotebook } from '../tests/nbfiles';

const RECORDED = 'feedfacefeedface';

function root(): string {
  const dir = process.env.NBREPRO_UI_NOTEBOOK7_ROOT;
  if (!dir) {
    throw new Error('run through test/ui/playwright.config.js');
  }
  return dir;
}

function writeFile(folder: string, name: string, text: string): void {
  const dir = path.join(root(), folder);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
}

async function openWalk(page: Page, folder: string) {
  writeFile(folder, 'walk.ipynb', walkNotebook());
  await page.goto(`/notebooks/${folder}/walk.ipynb`);
  const indicator = page.locator('.jp-nbrepro-ToolbarItem');
  await expect(indicator).toHaveAttribute('data-state', 'serious', {
    timeout: 60_000
  });
  return indicator;
}

const inPanel = (page: Page) =>
  page.evaluate(() =>
    document.getElementById('nbrepro-sidebar')!.contains(document.activeElement)
  );

test('Notebook 7: the panel fits the window at 1024×768 and says things in words', async ({
  page
}, info) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const indicator = await openWalk(page, `nb7-fit-${info.workerIndex}`);
  // Run every cell, and wait for their records.
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('notebook:run-all-cells')
  );
  await page.waitForFunction(
    () => {
      const cells = (window as any).jupyterapp.shell.currentWidget?.content
        ?.model?.cells;
      let recorded = 0;
      for (let i = 0; i < (cells?.length ?? 0); i++) {
        recorded += cells.get(i).getMetadata('nbrepro') ? 1 : 0;
      }
      return recorded >= 9;
    },
    undefined,
    { timeout: 60_000 }
  );
  await indicator.click();
  const sidebar = page.locator('#nbrepro-sidebar');
  await expect(sidebar.locator('.jp-nbrepro-Restore')).toBeVisible({
    timeout: 30_000
  });
  await unfoldAll(page);
  const problems = await page.evaluate(() => {
    const node = document.getElementById('nbrepro-sidebar')!;
    const box = node.getBoundingClientRect();
    const out: string[] = [];
    if (box.right > window.innerWidth + 1) {
      out.push(
        `panel ends at ${box.right}, past the window (${window.innerWidth})`
      );
    }
    if (node.scrollWidth > node.clientWidth + 1) {
      out.push(
        `panel scrolls sideways (${node.scrollWidth} > ${node.clientWidth})`
      );
    }
    for (const child of Array.from(
      node.querySelectorAll<HTMLElement>('td, p, pre, dd, li, h2')
    )) {
      if (child.offsetParent === null) {
        continue;
      }
      if (child.getBoundingClientRect().right > box.right + 1) {
        out.push(
          `"${(child.textContent ?? '').slice(0, 40)}" runs past the panel`
        );
      }
    }
    return out.slice(0, 10);
  });
  expect(problems).toEqual([]);
  const text = await sidebar.innerText();
  expect(text).not.toMatch(/[0-9a-f]{12}/);
  expect(text).not.toContain('numpy.generators');
  expect(text).toContain('RNG seeded earlier (cell 2), not in this cell');
});

test('Notebook 7: the toolbar indicator and the Kernel menu move the focus into the panel', async ({
  page
}, info) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const indicator = await openWalk(page, `nb7-focus-${info.workerIndex}`);
  await indicator.click();
  await expect.poll(() => inPanel(page)).toBe(true);
  // Back in the notebook, then the Kernel menu.
  await page.locator('.jp-Notebook').first().click();
  await expect.poll(() => inPanel(page)).toBe(false);
  // Plain Playwright: galata's page.menu helper needs JupyterLab's page.
  // eslint-disable-next-line jupyter/galata-prefer-menu-helper
  await page.locator('.lm-MenuBar-itemLabel', { hasText: 'Kernel' }).click();
  // eslint-disable-next-line jupyter/galata-prefer-menu-helper
  await page
    .locator('.lm-Menu-itemLabel', { hasText: 'Show Environment Drift' })
    .first()
    .click();
  await expect.poll(() => inPanel(page)).toBe(true);
  await expect(
    page.locator('.jp-nbrepro-Fold-header', { hasText: 'Drift' })
  ).toBeFocused();
});

test('Notebook 7: a notebook that failed to load is never said to be "Not recorded yet"', async ({
  page
}, info) => {
  const folder = `nb7-broken-${info.workerIndex}`;
  writeFile(
    folder,
    'broken.ipynb',
    '{"cells": [], "metadata": {}, "nbformat": 4,'
  );
  await page.goto(`/notebooks/${folder}/broken.ipynb`);
  // Notebook 7 says it could not load the file.
  await expect(page.locator('.jp-Dialog')).toBeVisible({ timeout: 60_000 });
  await page.keyboard.press('Escape');
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('nbrepro:show-panel')
  );
  const state = page.locator('#nbrepro-sidebar .jp-nbrepro-Sidebar-state');
  await expect(state).toBeVisible();
  for (let i = 0; i < 6; i++) {
    await expect(state).not.toHaveText('Not recorded yet');
    await page.waitForTimeout(500);
  }
});

/** Whether Notebook 7's notebook has unsaved changes (its dirty flag). */
const dirty = (page: Page) =>
  page.evaluate(
    () =>
      (window as any).jupyterapp.shell.currentWidget.context.model
        .dirty as boolean
  );

test('Notebook 7: Accept asks first, and the header says the outputs came from the earlier environment until the cells run again', async ({
  page
}, info) => {
  const folder = `nb7-accept-older-${info.workerIndex}`;
  const name = 'accept.ipynb';
  const notebook = JSON.parse(recordedElsewhere(RECORDED));
  // What the kernel reports, as a notebook saved in Jupyter carries it (the
  // frontend sets it when it differs, and that edit is not ours): opening
  // the notebook leaves it unchanged.
  notebook.metadata.language_info = JSON.parse(
    runPython(
      'import json; from ipykernel.ipkernel import IPythonKernel as K; print(json.dumps(K.language_info))'
    )
  );
  writeFile(folder, name, JSON.stringify(notebook, null, 1) + '\n');
  await page.goto(`/notebooks/${folder}/${name}`);
  const indicator = page.locator('.jp-nbrepro-ToolbarItem');
  await expect(indicator).toHaveAttribute('data-state', 'serious', {
    timeout: 60_000
  });
  await indicator.click();
  const sidebar = page.locator('#nbrepro-sidebar');
  const header = sidebar.locator('.jp-nbrepro-Sidebar-header');
  await expect(header).toHaveAttribute('data-state', 'serious');
  expect(await dirty(page)).toBe(false);
  const accept = sidebar.getByRole('button', {
    name: 'Accept this environment…'
  });
  const dialog = page.locator('.jp-Dialog');

  // Cancel changes nothing: not the header, not the file.
  await accept.click();
  await expect(dialog).toContainText('Accept this kernel’s environment?');
  await expect(dialog).toContainText(
    `${name} will vouch for this kernel’s environment`
  );
  await expect(dialog).toContainText(
    'The outputs on screen came from the recorded environment: they stay as they are until you run the cells again. You can undo this.'
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(header).toHaveAttribute('data-state', 'serious');
  expect(await dirty(page)).toBe(false);

  // Accept: the header and the toolbar indicator (Notebook 7 has no status
  // bar) tell the truth about the outputs on screen; the notebook is changed.
  await accept.click();
  await dialog.getByRole('button', { name: 'Accept' }).click();
  const older =
    'Environment accepted — outputs from the earlier environment until the cells run again';
  await expect(header.locator('.jp-nbrepro-Sidebar-state')).toHaveText(older);
  await expect(indicator).toHaveAttribute('data-state', 'accepted');
  await expect(indicator).toHaveText(older);
  expect(await dirty(page)).toBe(true);
  const toast = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'now vouches' });
  await expect(toast).toContainText(
    `${name} now vouches for this kernel’s environment; its outputs came from the earlier one until the cells run again.`
  );

  // Undo, from the notification: serious again.
  await toast.getByRole('button', { name: 'Undo' }).dispatchEvent('click');
  await expect(header).toHaveAttribute('data-state', 'serious');
  await expect(indicator).toHaveText('Serious drift');
});
