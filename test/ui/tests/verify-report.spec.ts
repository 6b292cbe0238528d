import { expect, test } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';

import { python, repo } from './nbfiles';

/**
 * The report of `nbrepro verify BUNDLE... --report DIR`, opened from disk in
 * Debian's Chromium: no server, no network. test/ui/make_report.py writes it
 * from three real bundles (one broken) before the tests.
 */
let report = '';

test.beforeAll(() => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nbrepro-report-'));
  report = execFileSync(
    python,
    [path.join(repo, 'test', 'ui', 'make_report.py'), folder],
    { encoding: 'utf-8', timeout: 600_000 }
  ).trim();
});

test.describe('the verification report page', () => {
  test.setTimeout(660_000);

  test('lists every bundle with its verdict, and links that open', async ({
    page
  }) => {
    const requests: string[] = [];
    page.on('request', request => requests.push(request.url()));
    await page.goto(pathToFileURL(path.join(report, 'index.html')).href);
    const rows = page.locator('#bundles tr.bundle');
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(0).locator('.verdict')).toHaveText('verified');
    await expect(rows.nth(1).locator('.verdict')).toHaveText('verified');
    await expect(rows.nth(2).locator('.verdict')).toHaveText('unusable');
    await expect(rows.nth(2)).toContainText('not an nbrepro bundle manifest');
    await expect(page.locator('.summary')).toContainText(
      '3 bundles: 2 verified, 0 different, 1 unusable'
    );
    // the verification records of the two usable bundles are linked and there
    const records = page.locator('#bundles a.record');
    await expect(records).toHaveCount(2);
    const record = await records.first().getAttribute('href');
    expect(fs.existsSync(path.join(report, record ?? 'missing'))).toBe(true);
    // nothing left the disk
    expect(requests.every(url => url.startsWith('file://'))).toBe(true);

    // the first bundle's page, by its link
    await rows.nth(0).locator('a.page').click();
    await expect(page.locator('h1')).toHaveText('growth-bundle');
    await expect(page.locator('#cells tr.cell')).toHaveCount(4);
    // its image, recorded and re-run side by side, decoded by the browser
    const images = page.locator('#cell-4 .side img');
    await expect(images).toHaveCount(2);
    for (const image of await images.all()) {
      const width = await image.evaluate(
        element => (element as HTMLImageElement).naturalWidth
      );
      expect(width).toBe(16);
    }
    await page.locator('a', { hasText: 'all bundles' }).click();
    await expect(page.locator('#bundles tr.bundle')).toHaveCount(3);
  });
});
