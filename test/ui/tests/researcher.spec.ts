/**
 * Issue 23, as a researcher meets the panel in JupyterLab: words, not
 * metadata; restore commands that cannot hurt the Jupyter server; an Accept
 * that asks and can be undone, and a header that tells the truth after it;
 * a panel that fits 1024×768 and takes the keyboard focus when opened; the
 * recorded state from the first frame; the header following a rename; a
 * dismissal that Notebook 7 on the same server honours too.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import { unfoldAll } from './fold';
import {
  driftedNotebook,
  readNotebook,
  recordedElsewhere,
  runPython,
  waitForCellRecords,
  walkNotebook
} from './nbfiles';

const RECORDED = 'feedfacefeedface';
const HEX_RUN = /[0-9a-f]{12}/;
const RAW_KEYS = [
  'numpy.generators',
  'legacy_seed',
  'hash_randomization',
  '=true',
  '(current)',
  'bit_generator',
  'Snapshot feedface'
];

const sidebar = (page: Page) => page.locator('#nbrepro-sidebar');
const header = (page: Page) =>
  page.locator('#nbrepro-sidebar .jp-nbrepro-Sidebar-header');

async function openPanel(page: Page) {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('nbrepro:show-panel')
  );
  await expect(sidebar(page)).toBeVisible();
}

async function openWalk(page: IJupyterLabPageFixture, tmpPath: string) {
  const name = 'walk.ipynb';
  await page.contents.uploadContent(
    walkNotebook(RECORDED),
    'text',
    `${tmpPath}/${name}`
  );
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await page.notebook.run();
  await waitForCellRecords(page, 9);
  await openPanel(page);
  await expect(header(page)).toHaveAttribute('data-state', 'serious', {
    timeout: 30_000
  });
  // The restore commands wait for the server to say what it runs on.
  await expect(
    page.locator('#nbrepro-sidebar .jp-nbrepro-Restore')
  ).toBeVisible({ timeout: 30_000 });
  return name;
}

test('the panel says seeding, determinism and environments in words, cells numbered as the notebook shows them', async ({
  page,
  tmpPath
}) => {
  await openWalk(page, tmpPath);
  await unfoldAll(page);
  const text = await sidebar(page).innerText();
  expect(text).not.toMatch(HEX_RUN);
  for (const key of RAW_KEYS) {
    expect(text).not.toContain(key);
  }
  // The seeding cell, by the number its prompt shows ([2]; a markdown cell
  // comes first), the call and its effect.
  const seeds = page.locator('.jp-nbrepro-Panel-seeds tr');
  const row = (cells: string) =>
    seeds.filter({
      has: page.locator('td:first-child', { hasText: new RegExp(`^${cells}$`) })
    });
  await expect(row('cell 2')).toContainText(
    "created Generator(PCG64) from seed 42; seeded NumPy's global generator with 0"
  );
  // The cells that only drew, in one line pointing at cell 2; cell 1 in one.
  await expect(row('cells 3–9')).toContainText(
    'RNG seeded earlier (cell 2), not in this cell'
  );
  await expect(row('cell 1')).toContainText('no seeding');
  expect(await seeds.count()).toBe(4); // the header row and three lines
  await expect(sidebar(page)).toContainText(
    'String hashes are randomised (PYTHONHASHSEED was not set when the kernel started)'
  );
  // Environments by what tells them apart, not by id.
  await expect(
    page.locator('.jp-nbrepro-DriftPanel-sides dd').first()
  ).toContainText('Python 3.11 venv, numpy 1.26.4');
  await expect(
    page.locator('.jp-nbrepro-DriftPanel-sides dd').nth(1)
  ).toContainText(/^numpy \d/);
  // "removed", as every surface says it.
  await expect(
    page.locator('.jp-nbrepro-DriftPanel-row[data-name="scipy"]')
  ).toContainText('1.14.1, removed');
  // Every table has a caption; state changes are announced politely.
  const tables = page.locator('#nbrepro-sidebar table');
  expect(await tables.count()).toBeGreaterThan(3);
  expect(await page.locator('#nbrepro-sidebar table > caption').count()).toBe(
    await tables.count()
  );
  await expect(
    page.locator('#nbrepro-sidebar > [role="status"][aria-live="polite"]')
  ).toHaveText('walk.ipynb: Serious drift');
  // "imported" is a tag, not a link: not in the link colour.
  const colours = await page
    .locator('.jp-nbrepro-DriftPanel-used')
    .first()
    .evaluate(node => {
      const probe = document.createElement('a');
      probe.style.color = 'var(--jp-brand-color1)';
      document.body.appendChild(probe);
      const brand = getComputedStyle(probe).color;
      probe.remove();
      return [getComputedStyle(node).color, brand];
    });
  expect(colours[0]).not.toBe(colours[1]);
  // The status item says it in words too.
  const status = await page.locator('.jp-nbrepro-Status').innerText();
  expect(status).not.toMatch(/[0-9a-f]{8}/);
});

test('the restore commands never uninstall, never touch what Jupyter runs on, and never downgrade pip', async ({
  page,
  tmpPath
}) => {
  await openWalk(page, tmpPath);
  const restore = page.locator('#nbrepro-sidebar .jp-nbrepro-Restore');
  const commands = (
    await restore
      .locator('pre[data-form="magic"], pre[data-form="shell"]')
      .allInnerTexts()
  ).join('\n');
  expect(commands).toContain('numpy==1.26.4');
  expect(commands).toContain('scipy==1.14.1');
  expect(commands).not.toContain('uninstall');
  // The kernel shares the server's environment: jupyterlab and the rest
  // (new here) stay, six (which the server needs) is not changed back, and
  // pip is not downgraded.
  for (const name of [
    'jupyterlab',
    'notebook',
    'jupyter_server',
    'six',
    'pip=='
  ]) {
    expect(commands).not.toContain(name);
  }
  await expect(restore).toContainText(
    'This kernel runs in the Jupyter server’s own environment'
  );
  await expect(restore).toContainText(
    'six stays as it is: the Jupyter server, the kernel or nbrepro needs it.'
  );
  await expect(restore).toContainText(
    'pip 23.3.1 → 26.3: its version changes no result'
  );
  // The alternative: the recorded environment beside this one, as a kernel.
  await expect(restore.locator('pre[data-form="alternative"]')).toContainText(
    './run.sh --no-run'
  );
  // Labelled buttons, not two "Copy".
  const labels = await restore.locator('button').allInnerTexts();
  expect(labels).toEqual([
    'Copy %pip command',
    'Copy terminal command',
    'Copy the bundle commands'
  ]);
  // The server's own packages, new here, are one line, not a row each.
  await expect(
    page.locator('.jp-nbrepro-DriftPanel-row[data-kind="jupyter"]')
  ).toContainText('new here: jupyter_server, jupyterlab');
  await expect(
    page.locator('.jp-nbrepro-DriftPanel-row[data-name="jupyterlab"]')
  ).toHaveCount(0);
});

/**
 * Whether anything in the panel is wider than the panel: the panel itself,
 * each section, each table and each cell that is not cut on purpose.
 */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.getElementById('nbrepro-sidebar')!;
    const problems: string[] = [];
    const edge = root.getBoundingClientRect().right;
    if (root.scrollWidth > root.clientWidth + 1) {
      problems.push(
        `panel scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`
      );
    }
    if (edge > window.innerWidth + 1) {
      problems.push(
        `panel ends past the window (${edge} > ${window.innerWidth})`
      );
    }
    for (const node of Array.from(root.querySelectorAll<HTMLElement>('*'))) {
      if (
        node.offsetParent === null ||
        node.classList.contains('jp-nbrepro-clip') ||
        node.classList.contains('jp-nbrepro-sr-only')
      ) {
        continue;
      }
      const right = node.getBoundingClientRect().right;
      if (right > edge + 1) {
        problems.push(
          `${node.tagName}.${node.className} "${(node.textContent ?? '').slice(0, 40)}" ends ${Math.round(right - edge)} px past the panel`
        );
      }
      if (
        node.scrollWidth > node.clientWidth + 1 &&
        getComputedStyle(node).overflowX !== 'visible'
      ) {
        problems.push(`${node.tagName}.${node.className} scrolls sideways`);
      }
      // A label that wraps stays inside its button.
      if (
        node.tagName === 'BUTTON' &&
        node.scrollHeight > node.clientHeight + 1
      ) {
        problems.push(
          `button "${node.textContent}" spills out (${node.scrollHeight} > ${node.clientHeight})`
        );
      }
    }
    return problems.slice(0, 10);
  });
}

test('the panel fits JupyterLab’s sidebar at 1024×768, every section open', async ({
  page,
  tmpPath
}) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await openWalk(page, tmpPath);
  await unfoldAll(page);
  const width = await sidebar(page).evaluate(node => node.clientWidth);
  expect(width).toBeLessThanOrEqual(320); // JupyterLab's default sidebar
  expect(await overflows(page)).toEqual([]);
  // Sections fold in JupyterLab's style, by keyboard too.
  const drift = page.locator('.jp-nbrepro-Fold-header', { hasText: 'Drift' });
  await drift.focus();
  await page.keyboard.press('Enter');
  await expect(drift).toHaveAttribute('aria-expanded', 'false');
  await expect(page.locator('.jp-nbrepro-Section-drift')).toBeHidden();
  await page.keyboard.press('Enter');
  await expect(page.locator('.jp-nbrepro-Section-drift')).toBeVisible();
});

test('opening the panel by a command, the Kernel menu or the status item moves the focus into it', async ({
  page,
  tmpPath
}) => {
  const name = 'focus.ipynb';
  await page.contents.uploadContent(
    driftedNotebook(RECORDED),
    'text',
    `${tmpPath}/${name}`
  );
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  // Once the notebook has its kernel (which takes the focus when ready).
  await expect(page.locator('.jp-nbrepro-ToolbarItem')).toHaveAttribute(
    'data-state',
    'serious',
    { timeout: 60_000 }
  );
  const inPanel = () =>
    page.evaluate(() =>
      document
        .getElementById('nbrepro-sidebar')!
        .contains(document.activeElement)
    );
  // The palette's command.
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('nbrepro:show-panel')
  );
  await expect.poll(inPanel).toBe(true);
  await expect(page.locator('.jp-nbrepro-Sidebar-notebook')).toBeFocused();

  await page.notebook.activate(name);
  await expect.poll(inPanel).toBe(false);
  await page.menu.clickMenuItem('Kernel>Show Environment Drift');
  await expect.poll(inPanel).toBe(true);
  await expect(
    page.locator('.jp-nbrepro-Fold-header', { hasText: 'Drift' })
  ).toBeFocused();

  await page.notebook.activate(name);
  await expect(header(page)).toHaveAttribute('data-state', 'serious', {
    timeout: 30_000
  });
  await page.locator('.jp-nbrepro-Status').click();
  await expect.poll(inPanel).toBe(true);
});

test('Accept asks first, says the outputs came from the earlier environment until the cells run again, and can be undone', async ({
  page,
  tmpPath
}) => {
  const name = 'accept.ipynb';
  await page.contents.uploadContent(
    recordedElsewhere(RECORDED),
    'text',
    `${tmpPath}/${name}`
  );
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await openPanel(page);
  await expect(header(page)).toHaveAttribute('data-state', 'serious', {
    timeout: 30_000
  });
  const accept = sidebar(page).getByRole('button', {
    name: 'Accept this environment…'
  });
  const dialog = page.locator('.jp-Dialog');

  // Cancel changes nothing.
  await accept.click();
  await expect(dialog).toContainText(
    `${name} will vouch for this kernel’s environment`
  );
  await expect(dialog).toContainText(
    'The outputs on screen came from the recorded environment: they stay as they are until you run the cells again.'
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(header(page)).toHaveAttribute('data-state', 'serious');

  // Accept: the header tells the truth about the outputs on screen.
  await accept.click();
  await dialog.getByRole('button', { name: 'Accept' }).click();
  await expect(header(page).locator('.jp-nbrepro-Sidebar-state')).toHaveText(
    'Environment accepted — outputs from the earlier environment until the cells run again'
  );
  await expect(page.locator('.jp-nbrepro-Status')).toHaveText(
    'nbrepro: accepted, outputs older'
  );
  // Undo, from the notification.
  const toast = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'now vouches' });
  await toast.getByRole('button', { name: 'Undo' }).dispatchEvent('click');
  await expect(header(page)).toHaveAttribute('data-state', 'serious');

  // Accept again, then run the cells: their outputs come from it now.
  await accept.click();
  await dialog.getByRole('button', { name: 'Accept' }).click();
  await expect(header(page)).toHaveAttribute('data-state', 'accepted');
  await page.notebook.runCell(0);
  await expect(header(page)).toHaveAttribute('data-state', 'matching', {
    timeout: 30_000
  });
  await expect(page.locator('.jp-nbrepro-Status')).toHaveText(
    'nbrepro: matching'
  );
  await page.notebook.save();
  expect(readNotebook(tmpPath, name).metadata.nbrepro.current).not.toBe(
    RECORDED
  );
});

test('the panel shows the recorded state from the first frame, and follows a rename', async ({
  page,
  tmpPath
}) => {
  const name = 'first.ipynb';
  await page.contents.uploadContent(
    driftedNotebook(RECORDED),
    'text',
    `${tmpPath}/${name}`
  );
  await openPanel(page);
  // Every header the panel shows from the open command to the drift.
  const states = await page.evaluate(async (path: string) => {
    const app = (window as any).jupyterapp;
    const node = document.getElementById('nbrepro-sidebar')!;
    const seen: string[] = [];
    const look = () => {
      const text =
        node.querySelector('.jp-nbrepro-Sidebar-state')?.textContent ?? '';
      if (seen[seen.length - 1] !== text) {
        seen.push(text);
      }
    };
    const observer = new MutationObserver(look);
    observer.observe(node, {
      subtree: true,
      childList: true,
      characterData: true
    });
    await app.commands.execute('docmanager:open', { path });
    look();
    const start = Date.now();
    while (!seen.includes('Serious drift') && Date.now() - start < 60_000) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    observer.disconnect();
    return seen;
  }, `${tmpPath}/${name}`);
  expect(states).toContain('Serious drift');
  expect(states).not.toContain('Not recorded yet');

  // A rename: the header names the notebook by its new name.
  await page.evaluate(async (path: string) => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    await widget.context.rename(path);
  }, 'renamed.ipynb');
  await expect(page.locator('.jp-nbrepro-Sidebar-notebook')).toHaveText(
    'renamed.ipynb'
  );
});

test('the panel says which conda the conda files are written for, as nbrepro check says it', async ({
  page,
  tmpPath
}) => {
  // Recorded in a conda environment whose conda $CONDA_EXE named; the
  // kernel here is a venv.
  const notebook = JSON.parse(driftedNotebook(RECORDED));
  const environment = notebook.metadata.nbrepro.snapshots[RECORDED].environment;
  environment.conda = {
    prefix: '/opt/conda/envs/analysis',
    name: 'analysis',
    manager: 'conda',
    platform: 'linux-64',
    channels: ['conda-forge'],
    config_channels: ['conda-forge'],
    channel_urls: { 'conda-forge': 'https://conda.anaconda.org/conda-forge' },
    packages: [],
    from_history: [],
    history: { format: 'conda', requests: 1, conda_version: '25.7.0' },
    behaviour: {
      conda: '25.7',
      source: 'conda-exe',
      version: '25.7.0',
      root: '~/miniforge3'
    }
  };
  // What `nbrepro check` says of it (conda_files in --json).
  const expected = runPython(
    [
      'import json, sys',
      'from nbrepro.record.envreaders import conda_files',
      'print(conda_files(json.load(sys.stdin)))'
    ].join('\n'),
    JSON.stringify(environment)
  ).trim();
  expect(expected).toBe(
    'written as conda 25.7.0 writes them, the conda installed at ~/miniforge3 (named by $CONDA_EXE)'
  );
  const name = 'conda.ipynb';
  await page.contents.uploadContent(
    JSON.stringify(notebook),
    'text',
    `${tmpPath}/${name}`
  );
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await openPanel(page);
  await expect(header(page)).toHaveAttribute('data-state', 'serious', {
    timeout: 30_000
  });
  await unfoldAll(page);
  const facts = page.locator('.jp-nbrepro-Panel-facts tr', {
    hasText: 'Conda files'
  });
  await expect(facts.locator('td')).toHaveText(expected);
  const sides = page.locator('.jp-nbrepro-DriftPanel-sides');
  await expect(sides.locator('dt.jp-nbrepro-DriftPanel-conda')).toHaveText([
    'Recorded conda files',
    'This kernel’s conda files'
  ]);
  await expect(sides.locator('dd.jp-nbrepro-DriftPanel-conda')).toHaveText([
    expected,
    'none (no conda environment)'
  ]);
});

// The settings as the server keeps them, which both frontends read (galata
// keeps a page's settings in memory otherwise).
test.describe('the settings on the server', () => {
  test.use({ mockSettings: false });

  test('a drift dismissed in JupyterLab is not announced in Notebook 7, and the other way round', async ({
    page,
    context,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    const toastOf = (where: Page, name: string) =>
      where.locator('.Toastify__toast').filter({ hasText: `${name} runs on` });
    const dismiss = async (where: Page, name: string) => {
      const saved = where.waitForResponse(
        response =>
          response.url().includes('/api/settings/nbrepro') &&
          response.request().method() === 'PUT',
        { timeout: 30_000 }
      );
      await toastOf(where, name)
        .getByRole('button', { name: 'Dismiss' })
        .dispatchEvent('click');
      await saved;
    };
    const origin = new URL(page.url()).origin;
    const openInNotebook7 = async (name: string) => {
      const notebook7 = await context.newPage();
      await notebook7.goto(`${origin}/notebooks/${tmpPath}/${name}`);
      await expect(
        notebook7.locator('.jp-nbrepro-ToolbarItem')
      ).toHaveAttribute('data-state', 'serious', { timeout: 60_000 });
      return notebook7;
    };
    for (const name of ['lab-first.ipynb', 'nb7-first.ipynb']) {
      await page.contents.uploadContent(
        driftedNotebook(RECORDED),
        'text',
        `${tmpPath}/${name}`
      );
    }

    // Dismissed in JupyterLab, then opened in Notebook 7.
    await page.notebook.openByPath(`${tmpPath}/lab-first.ipynb`);
    await page.notebook.activate('lab-first.ipynb');
    await expect(toastOf(page, 'lab-first.ipynb')).toHaveCount(1, {
      timeout: 30_000
    });
    await dismiss(page, 'lab-first.ipynb');
    await page.notebook.close();
    let notebook7 = await openInNotebook7('lab-first.ipynb');
    await notebook7.waitForTimeout(2000);
    await expect(toastOf(notebook7, 'lab-first.ipynb')).toHaveCount(0);
    await notebook7.close();

    // Dismissed in Notebook 7, then opened in JupyterLab (after a reload, so
    // that this page reads the settings again).
    notebook7 = await openInNotebook7('nb7-first.ipynb');
    await expect(toastOf(notebook7, 'nb7-first.ipynb')).toHaveCount(1, {
      timeout: 30_000
    });
    await dismiss(notebook7, 'nb7-first.ipynb');
    await notebook7.close();
    await page.reload({ waitForIsReady: false });
    await expect(page.locator('#nbrepro-sidebar')).toBeAttached({
      timeout: 30_000
    });
    // By the document manager: the file browser may still be restoring its
    // folder after the reload.
    await page.waitForFunction(() => (window as any).jupyterapp?.commands);
    await page.evaluate(
      (path: string) =>
        (window as any).jupyterapp.commands.execute('docmanager:open', {
          path
        }),
      `${tmpPath}/nb7-first.ipynb`
    );
    await page.notebook.activate('nb7-first.ipynb');
    // (not by opening the panel: that puts a toast away)
    await expect(page.locator('.jp-nbrepro-Status')).toHaveAttribute(
      'data-drift',
      'high',
      { timeout: 30_000 }
    );
    await page.waitForTimeout(2000);
    await expect(toastOf(page, 'nb7-first.ipynb')).toHaveCount(0);
  });
});
