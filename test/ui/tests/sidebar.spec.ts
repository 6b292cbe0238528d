/**
 * What a researcher sees: the right-sidebar panel, its geometry at ordinary
 * window sizes, the notebook left untouched when only opened, "imported"
 * meaning the notebook's own imports, and the drift toast.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { unfoldAll } from './fold';
import { driftedNotebook, runPython, serverRoot } from './nbfiles';

const RECORDED = 'feedfacefeedface';

/**
 * A notebook recorded in this environment except numpy 1.26.4 and six
 * 1.16.0; its one cell imports numpy.
 */
function recordedNotebook(): string {
  const notebook = JSON.parse(driftedNotebook(RECORDED));
  const environment = notebook.metadata.nbrepro.snapshots[RECORDED].environment;
  const six = environment.pip.distributions.find(
    (d: any) => d.name.toLowerCase() === 'six'
  );
  if (!six) {
    throw new Error('the test environment has no six');
  }
  six.version = '1.16.0';
  notebook.cells[0].source = 'import numpy as np\nprint(np.__version__)';
  // What the kernel reports, as a notebook saved by JupyterLab carries it
  // (JupyterLab itself sets it when it differs, and that edit is not ours).
  notebook.metadata.language_info = JSON.parse(
    runPython(
      'import json; from ipykernel.ipkernel import IPythonKernel as K; print(json.dumps(K.language_info))'
    )
  );
  return JSON.stringify(notebook, null, 1) + '\n';
}

async function upload(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  text: string
): Promise<string> {
  await page.contents.uploadContent(text, 'text', `${tmpPath}/${name}`);
  return path.join(serverRoot(), tmpPath, name);
}

async function openPanel(page: IJupyterLabPageFixture) {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('nbrepro:show-panel')
  );
  const sidebar = page.locator('#nbrepro-sidebar');
  await expect(sidebar).toBeVisible();
  return sidebar;
}

const header = (page: IJupyterLabPageFixture) =>
  page.locator('#nbrepro-sidebar .jp-nbrepro-Sidebar-header');

const dirty = (page: IJupyterLabPageFixture) =>
  page.evaluate(
    () =>
      (window as any).jupyterapp.shell.currentWidget.context.model
        .dirty as boolean
  );

// galata's tracking of a test's kernels (its routes over /api/kernels and
// /api/sessions) leaves a restarted kernel unanswered: a cell never runs after
// a restart. This test restarts one, so it goes without that tracking.
test.describe('a kernel restart', () => {
  test.use({ kernels: null as any, sessions: null as any });

  test('opening a recorded notebook, restarting its kernel and closing it leave the file untouched', async ({
    page,
    request,
    tmpPath
  }) => {
    const name = 'opened.ipynb';
    const text = recordedNotebook();
    const file = await upload(page, tmpPath, name, text);
    const before = fs.readFileSync(file);
    await page.notebook.openByPath(`${tmpPath}/${name}`);
    await page.notebook.activate(name);
    await openPanel(page);
    // The kernel started and was captured: the drift is known...
    await expect(header(page)).toHaveAttribute('data-state', 'serious', {
      timeout: 30_000
    });
    // ...and nothing was written to the notebook.
    expect(await dirty(page)).toBe(false);
    await expect(page.locator('.jp-mod-dirty')).toHaveCount(0);

    // A kernel restart is captured again: the capture's silent requests to the
    // restarted kernel, each answered, as the kernel's messages show them (a
    // fixed wait passed whether or not they came). Still nothing written.
    const session = await page.evaluate(() => {
      const w = window as any;
      const context = w.jupyterapp.shell.currentWidget.sessionContext;
      const kernel = context.session.kernel;
      const seen = {
        restarted: false,
        sent: new Set<string>(),
        answered: new Set<string>()
      };
      w.nbreproRecapture = seen;
      kernel.statusChanged.connect((_: unknown, status: string) => {
        if (status === 'restarting' || status === 'autorestarting') {
          seen.restarted = true;
        }
      });
      kernel.anyMessage.connect((_: unknown, { msg, direction }: any) => {
        if (!seen.restarted) {
          return;
        }
        const type = msg.header.msg_type;
        if (
          direction === 'send' &&
          type === 'execute_request' &&
          msg.content.silent
        ) {
          seen.sent.add(msg.header.msg_id);
        } else if (
          direction === 'recv' &&
          type === 'execute_reply' &&
          seen.sent.has(msg.parent_header.msg_id)
        ) {
          seen.answered.add(msg.parent_header.msg_id);
        }
      });
      return context.restartKernel().then(() => context.session.id as string);
    });
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const seen = (window as any).nbreproRecapture;
            return seen.sent.size > 0 && seen.answered.size === seen.sent.size;
          }),
        { timeout: 30_000 }
      )
      .toBe(true);
    await expect(header(page)).toHaveAttribute('data-state', 'serious', {
      timeout: 30_000
    });
    expect(await dirty(page)).toBe(false);

    await page.notebook.close();
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    // (galata does not track this test's kernel: shut it down here)
    expect((await request.delete(`api/sessions/${session}`)).ok()).toBe(true);
  });
});

test('the panel follows the active notebook', async ({ page, tmpPath }) => {
  await upload(page, tmpPath, 'first.ipynb', recordedNotebook());
  await page.notebook.createNew('second.ipynb', { kernel: 'python3' });
  await page.notebook.openByPath(`${tmpPath}/first.ipynb`);
  await page.notebook.activate('first.ipynb');
  const sidebar = await openPanel(page);
  const title = sidebar.locator('.jp-nbrepro-Sidebar-notebook');
  await expect(title).toHaveText('first.ipynb');
  await expect(header(page)).toHaveAttribute('data-state', 'serious', {
    timeout: 30_000
  });
  await expect(sidebar.locator('.jp-nbrepro-DriftTable')).toHaveCount(2);

  await page.notebook.activate('second.ipynb');
  await expect(title).toHaveText('second.ipynb');
  await expect(header(page)).toHaveAttribute('data-state', 'unrecorded', {
    timeout: 30_000
  });
  await expect(sidebar.locator('.jp-nbrepro-Sidebar-state')).toHaveText(
    'Not recorded yet'
  );
  await expect(sidebar.locator('.jp-nbrepro-DriftTable')).toHaveCount(0);

  await page.notebook.activate('first.ipynb');
  await expect(title).toHaveText('first.ipynb');
  await expect(header(page)).toHaveAttribute('data-state', 'serious');
});

/**
 * Every table cell of the sidebar: does it overflow, and is any word in it
 * broken across lines?
 */
async function geometry(page: IJupyterLabPageFixture) {
  return page.evaluate(() => {
    const root = document.getElementById('nbrepro-sidebar')!;
    const problems: string[] = [];
    let checked = 0;
    for (const cell of Array.from(root.querySelectorAll('td, th'))) {
      const element = cell as HTMLElement;
      if (element.offsetParent === null) {
        continue; // filtered out, or in a closed section
      }
      checked += 1;
      const clipped = element.classList.contains('jp-nbrepro-clip');
      if (!clipped && element.scrollWidth > element.clientWidth + 1) {
        problems.push(
          `overflows: "${element.textContent}" (${element.scrollWidth} > ${element.clientWidth})`
        );
      }
      // Each word must sit on one line.
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        const pattern = /\S+/g;
        let match: RegExpExecArray | null;
        while ((match = pattern.exec(text))) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set(
            Array.from(range.getClientRects())
              .filter(rect => rect.width > 0)
              .map(rect => Math.round(rect.top))
          );
          if (tops.size > 1) {
            problems.push(`word broken: "${match[0]}"`);
          }
        }
      }
    }
    // The drift tables fit the panel: no column hidden to the right.
    for (const table of Array.from(
      root.querySelectorAll('.jp-nbrepro-DriftTable')
    )) {
      const box = table.parentElement as HTMLElement;
      if (box.scrollWidth > box.clientWidth + 1) {
        problems.push(
          `drift table wider than the panel (${box.scrollWidth} > ${box.clientWidth})`
        );
      }
    }
    const headers = Array.from(root.querySelectorAll('th'));
    const withoutScope = headers.filter(th => !th.getAttribute('scope'));
    return {
      problems,
      checked,
      headers: headers.length,
      withoutScope: withoutScope.length
    };
  });
}

for (const [width, height] of [
  [1400, 900],
  [1024, 768]
]) {
  test(`no cell of the panel overflows or breaks a word at ${width}×${height}`, async ({
    page,
    tmpPath
  }) => {
    await page.setViewportSize({ width, height });
    const name = 'geometry.ipynb';
    await upload(page, tmpPath, name, recordedNotebook());
    await page.notebook.openByPath(`${tmpPath}/${name}`);
    await page.notebook.activate(name);
    const sidebar = await openPanel(page);
    await expect(header(page)).toHaveAttribute('data-state', 'serious', {
      timeout: 30_000
    });
    await page.notebook.runCell(0);
    const numpy = sidebar.locator(
      '.jp-nbrepro-DriftPanel-row[data-name="numpy"]'
    );
    await expect(numpy).toContainText('1.26.4');
    await expect(numpy.locator('td').nth(1)).toHaveText(
      '1.26.4 → 2.4.6 (upgraded, major)'
    );

    // Every section open (the long ones start folded).
    await unfoldAll(page);
    for (const widen of [0, 200]) {
      if (widen) {
        // Widened by the user: drag the split handle to the left.
        const box = (await sidebar.boundingBox())!;
        await page.mouse.move(box.x - 2, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x - 2 - widen, box.y + box.height / 2, {
          steps: 5
        });
        await page.mouse.up();
      }
      const result = await geometry(page);
      expect(result.checked).toBeGreaterThan(20);
      expect(result.problems).toEqual([]);
      expect(result.headers).toBeGreaterThan(5);
      expect(result.withoutScope).toBe(0);
    }
    // Names and versions are whole, never cut.
    await expect(numpy.locator('td').first()).toHaveText(/^numpy imported$/);
  });
}

test('a console import on the notebook’s kernel does not make a package imported', async ({
  page,
  tmpPath
}) => {
  const name = 'console.ipynb';
  await upload(page, tmpPath, name, recordedNotebook());
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  const sidebar = await openPanel(page);
  await page.notebook.runCell(0);
  const row = (pkg: string) =>
    sidebar.locator(`.jp-nbrepro-DriftPanel-row[data-name="${pkg}"]`);
  await expect(row('numpy').locator('.jp-nbrepro-DriftPanel-used')).toHaveText(
    'imported',
    { timeout: 30_000 }
  );
  await expect(row('six')).toBeVisible();

  // A console on the same kernel imports six.
  await page.evaluate(() =>
    (window as any).jupyterapp.commands
      .execute('notebook:create-console')
      .then(() => undefined)
  );
  const prompt = page.locator('.jp-CodeConsole-promptCell .cm-content');
  await expect(prompt).toBeVisible({ timeout: 30_000 });
  await prompt.click();
  await page.keyboard.type('import six; print(six.__version__)');
  await page.keyboard.press('Shift+Enter');
  await expect(page.locator('.jp-CodeConsole-content')).toContainText(
    '1.17.0',
    { timeout: 30_000 }
  );
  // The notebook runs again (a collect follows): six is still not its own.
  await page.notebook.activate(name);
  await page.notebook.runCell(0);
  await page.waitForTimeout(2000);
  await expect(row('numpy').locator('.jp-nbrepro-DriftPanel-used')).toHaveText(
    'imported'
  );
  await expect(row('six').locator('.jp-nbrepro-DriftPanel-used')).toHaveCount(
    0
  );
  // six stays a moderate change (a minor version), not raised to serious.
  await expect(
    sidebar.locator('section[data-severity="high"] .jp-nbrepro-DriftPanel-row')
  ).toHaveCount(1);
});

test('the drift toast names the change, fits its buttons, goes with its notebook and stays dismissed', async ({
  page,
  tmpPath
}) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const name = 'toast.ipynb';
  await upload(page, tmpPath, name, recordedNotebook());
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  const toast = page.locator('.Toastify__toast').filter({
    hasText: 'numpy 1.26.4 → '
  });
  await expect(toast).toHaveCount(1, { timeout: 30_000 });
  await expect(toast).toContainText(`${name} runs on a different environment`);
  await expect(toast).toContainText('serious');
  const buttons = toast.locator('button', {
    hasText: /^(Details|Accept…|Dismiss)$/
  });
  await expect(buttons).toHaveCount(3);
  const boxes = await buttons.evaluateAll(nodes =>
    nodes.map(node => {
      const rect = node.getBoundingClientRect();
      return {
        top: Math.round(rect.top),
        height: rect.height,
        fits: node.scrollWidth <= node.clientWidth,
        lines: Math.round(
          rect.height / parseFloat(getComputedStyle(node).lineHeight || '16')
        )
      };
    })
  );
  expect(new Set(boxes.map(b => b.top)).size).toBe(1); // one row
  for (const box of boxes) {
    expect(box.fits).toBe(true);
    expect(box.height).toBeLessThan(40); // one line each
  }

  // Details opens the panel on the drift.
  await toast.getByRole('button', { name: 'Details' }).dispatchEvent('click');
  await expect(
    page.locator('#nbrepro-sidebar .jp-nbrepro-DriftTable').first()
  ).toBeVisible();

  // Closing the notebook takes its toast away.
  await page.notebook.close();
  await expect(toast).toHaveCount(0);

  // Open again, the panel put away (while it shows the notebook, the panel
  // says the drift and no toast covers it): announced again (not
  // dismissed), then dismissed...
  await page.evaluate(() => (window as any).jupyterapp.shell.collapseRight());
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await expect(toast).toHaveCount(1, { timeout: 30_000 });
  // The dismissal goes to nbrepro's settings (which Notebook 7 reads too):
  // the reload below must come after that write.
  const saved = page.waitForResponse(
    response =>
      response.url().includes('/api/settings/nbrepro') &&
      response.request().method() === 'PUT' &&
      (response.request().postData() ?? '').includes('dismissedDrifts'),
    { timeout: 30_000 }
  );
  await toast.getByRole('button', { name: 'Dismiss' }).dispatchEvent('click');
  await expect(toast).toHaveCount(0);
  await saved;
  // ...and not announced after a reload.
  // (galata's readiness check waits for a Launcher tab; the restored
  // workspace shows the notebook instead)
  await page.reload({ waitForIsReady: false });
  await expect(page.locator('#nbrepro-sidebar')).toBeAttached({
    timeout: 30_000
  });
  const tab = page.locator('.lm-TabBar-tab', { hasText: name });
  if ((await tab.count()) === 0) {
    await page.notebook.openByPath(`${tmpPath}/${name}`);
  }
  await tab.first().click();
  // (the status item, not the panel: opening the panel puts a toast away)
  await expect(page.locator('.jp-nbrepro-Status')).toHaveAttribute(
    'data-drift',
    'high',
    { timeout: 30_000 }
  );
  await page.waitForTimeout(1500);
  await expect(toast).toHaveCount(0);
});

/**
 * The word the toast gives six's change ("minor", "moderate"…), and the
 * severity of the panel section that lists six.
 */
function sixWord(text: string): string {
  return /six 1\.16\.0 → \S+ \(([a-z ]+?)[,)]/.exec(text)?.[1] ?? text;
}

async function sixSection(
  sidebar: ReturnType<IJupyterLabPageFixture['locator']>
): Promise<string> {
  return sidebar
    .locator('.jp-nbrepro-DriftPanel-row[data-name="six"]')
    .evaluate(row => row.closest('section')?.dataset.severity ?? '');
}

const WORDS: { [severity: string]: string } = {
  high: 'serious',
  medium: 'moderate',
  low: 'minor'
};

test('the drift toast gives each change the severity the panel shows', async ({
  page,
  tmpPath
}) => {
  const toastOf = (name: string) =>
    page.locator('.Toastify__toast').filter({ hasText: `${name} runs on` });

  // Imports recorded in the file (a run that imported numpy): known when the
  // notebook opens, so the first toast already says six is minor.
  const known = JSON.parse(recordedNotebook());
  known.metadata.nbrepro.runs = {
    '0123456789abcdef': { modules: { numpy: 'numpy' } }
  };
  const first = 'known.ipynb';
  await upload(page, tmpPath, first, JSON.stringify(known, null, 1) + '\n');
  await page.notebook.openByPath(`${tmpPath}/${first}`);
  await page.notebook.activate(first);
  await expect(toastOf(first)).toHaveCount(1, { timeout: 30_000 });
  // The toast's word first: opening the panel puts the toast away.
  let word = sixWord((await toastOf(first).textContent()) ?? '');
  let sidebar = await openPanel(page);
  await expect(
    sidebar.locator('.jp-nbrepro-DriftPanel-row[data-name="six"]')
  ).toBeVisible({ timeout: 30_000 });
  let section = await sixSection(sidebar);
  expect(section).toBe('low');
  expect(word).toBe(WORDS[section]);
  await page.notebook.close();

  // No imports recorded yet: the toast follows the panel once a cell ran.
  const second = 'later.ipynb';
  await upload(page, tmpPath, second, recordedNotebook());
  // (the panel put away: while it shows the notebook, no toast covers it)
  await page.evaluate(() => (window as any).jupyterapp.shell.collapseRight());
  await page.notebook.openByPath(`${tmpPath}/${second}`);
  await page.notebook.activate(second);
  await expect(toastOf(second)).toHaveCount(1, { timeout: 30_000 });
  // (until then, severities are not adjusted: the panel says the same)
  await expect(toastOf(second)).toContainText('six 1.16.0 → 1.17.0 (moderate)');
  await page.notebook.runCell(0);
  await expect(toastOf(second)).toContainText('six 1.16.0 → 1.17.0 (minor)', {
    timeout: 30_000
  });
  word = sixWord((await toastOf(second).textContent()) ?? '');
  sidebar = await openPanel(page);
  await expect(
    sidebar
      .locator('.jp-nbrepro-DriftPanel-row[data-name="numpy"]')
      .locator('.jp-nbrepro-DriftPanel-used')
  ).toHaveText('imported', { timeout: 30_000 });
  section = await sixSection(sidebar);
  expect(section).toBe('low');
  expect(word).toBe(WORDS[section]);
});
