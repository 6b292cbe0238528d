/**
 * Issue 23's walk, photographed: the panel of a recorded notebook that runs
 * in the server's own environment (drift, restore, seeds), in JupyterLab and
 * in Notebook 7, at 1024×768 and 1400×900, light and dark.
 *
 *   NBREPRO_SCREENSHOTS=1 NBREPRO_SHOTS=after npx --no-install playwright test \
 *     --config test/ui/playwright.config.js --project screenshots walk.spec.ts
 *
 * writes test/ui/docs/images/<NBREPRO_SHOTS>/ (PNGs reduced to 128 colours).
 * The same script took the "before" pictures on main's code.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { runPython, waitForCellRecords, walkNotebook } from '../tests/nbfiles';

const tag = process.env.NBREPRO_SHOTS || 'after';
const images = path.join(__dirname, 'images', tag);
const SIZES: [number, number][] = [
  [1024, 768],
  [1400, 900]
];

test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

test.beforeAll(() => {
  fs.mkdirSync(images, { recursive: true });
});

test.afterAll(() => {
  // 128 colours keep a screenshot of a user interface readable and small.
  runPython(
    [
      'import pathlib, sys',
      'from PIL import Image',
      `for p in sorted(pathlib.Path(${JSON.stringify(images)}).glob("*.png")):`,
      '    img = Image.open(p).convert("RGB")',
      '    img.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(p, optimize=True)'
    ].join('\n')
  );
});

async function shoot(page: Page, name: string) {
  const sidebar = page.locator('#nbrepro-sidebar');
  await sidebar.evaluate(node => {
    node.scrollTop = 0;
    node.querySelectorAll('*').forEach(child => {
      (child as HTMLElement).scrollTop = 0;
    });
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(images, `${name}-top.png`) });
  // The restore commands, then the seeds, scrolled into view (the panel
  // before issue 23 had no separate seeds section: its seeds show on top).
  for (const [selector, part] of [
    ['.jp-nbrepro-DriftPanel, .jp-nbrepro-Restore', 'drift'],
    ['.jp-nbrepro-Section-seeds', 'seeds']
  ]) {
    const target = sidebar.locator(selector).last();
    if ((await target.count()) > 0) {
      await target.evaluate(node => node.scrollIntoView({ block: 'start' }));
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(images, `${name}-${part}.png`) });
    }
  }
}

async function openPanel(page: Page) {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('nbrepro:show-panel')
  );
  await expect(page.locator('#nbrepro-sidebar')).toBeVisible();
}

for (const theme of ['light', 'dark']) {
  test(`the walk in JupyterLab and Notebook 7, ${theme}`, async ({
    page,
    context,
    tmpPath
  }) => {
    if (theme === 'dark') {
      await page.theme.setDarkTheme();
    } else {
      await page.theme.setLightTheme();
    }
    const name = 'walk.ipynb';
    await page.contents.uploadContent(
      walkNotebook(),
      'text',
      `${tmpPath}/${name}`
    );
    await page.notebook.openByPath(`${tmpPath}/${name}`);
    await page.notebook.activate(name);
    await page.notebook.run();
    await waitForCellRecords(page, 8);
    await page.notebook.save();
    await openPanel(page);
    await expect(
      page.locator('#nbrepro-sidebar .jp-nbrepro-Sidebar-header')
    ).toHaveAttribute('data-state', 'serious', { timeout: 30_000 });
    await page.waitForTimeout(1500);
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(500);
      await shoot(page, `lab-${width}x${height}-${theme}`);
    }

    // Notebook 7, on the same server and the same file (its own page: the
    // galata page waits for JupyterLab's launcher).
    const notebook7 = await context.newPage();
    await notebook7.goto(
      `${new URL(page.url()).origin}/notebooks/${tmpPath}/${name}`
    );
    await expect(notebook7.locator('.jp-nbrepro-ToolbarItem')).toHaveAttribute(
      'data-state',
      'serious',
      { timeout: 60_000 }
    );
    // Its own theme: the galata page keeps its settings to itself.
    await notebook7.evaluate(
      theme =>
        (window as any).jupyterapp.commands.execute('apputils:change-theme', {
          theme
        }),
      theme === 'dark' ? 'JupyterLab Dark' : 'JupyterLab Light'
    );
    await notebook7.waitForTimeout(1000);
    await openPanel(notebook7);
    await notebook7.waitForTimeout(1500);
    for (const [width, height] of SIZES) {
      await notebook7.setViewportSize({ width, height });
      await notebook7.waitForTimeout(500);
      await shoot(notebook7, `notebook7-${width}x${height}-${theme}`);
    }
    await notebook7.close();
  });
}
