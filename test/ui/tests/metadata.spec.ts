import { expect, galata, test } from '@jupyterlab/galata';

import { readNotebook, runPython, waitForCellRecords } from './nbfiles';

const FOREIGN = {
  papermill: {
    default_parameters: {},
    duration: 1.5,
    parameters: { alpha: 0.5 },
    version: '2.6.0'
  },
  jupytext: {
    formats: 'ipynb,py:percent',
    text_representation: { extension: '.py' }
  },
  kernelspec: {
    display_name: 'Python 3 (ipykernel)',
    language: 'python',
    name: 'python3'
  },
  widgets: {
    'application/vnd.jupyter.widget-state+json': { state: {}, version_major: 2 }
  }
};

function notebookWith(metadata: object, source: string) {
  return {
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'c1',
        metadata: { tags: ['parameters'] },
        outputs: [],
        source
      }
    ],
    metadata,
    nbformat: 4,
    nbformat_minor: 5
  };
}

test('foreign metadata stays as it was, and ours survives a reload', async ({
  page,
  tmpPath
}) => {
  const name = 'foreign.ipynb';
  await page.contents.uploadContent(
    JSON.stringify(notebookWith(FOREIGN, 'alpha = 0.5')),
    'text',
    `${tmpPath}/${name}`
  );
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await page.notebook.runCell(0);
  await waitForCellRecords(page, 1);
  await page.notebook.save();
  const saved = readNotebook(tmpPath, name);
  for (const key of Object.keys(FOREIGN)) {
    expect(saved.metadata[key]).toEqual((FOREIGN as any)[key]);
  }
  expect(saved.cells[0].metadata.tags).toEqual(['parameters']);
  const current = saved.metadata.nbrepro.current;
  expect(saved.cells[0].metadata.nbrepro.env).toBe(current);

  // Close and open again: the recorded environment is read back intact.
  await page.notebook.close();
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  const reread = await page.evaluate(() => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    return widget.content.model.getMetadata('nbrepro');
  });
  expect(reread).toEqual(saved.metadata.nbrepro);
});

test.describe('untrusted metadata', () => {
  // Capture off: the test looks at the hostile snapshot, not at a new one.
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'nbrepro:plugin': { captureEnabled: false }
    }
  });

  test('a package name carrying HTML shows as text in the panel, and no script runs', async ({
    page,
    tmpPath
  }) => {
    const payload = '<img src=x onerror="window.__nbreproPwned=1">';
    const envId = '0123456789abcdef';
    // A real snapshot (schema-valid, so the door keeps it) carrying the payloads.
    const environment = JSON.parse(
      runPython(
        'import sys; from nbrepro.cli import main; sys.exit(main(["snapshot", "--format", "json"]))'
      )
    ).environment;
    environment.python.version = '<script>window.__nbreproPwned=2</script>';
    environment.pip.distributions.push({ name: payload, version: '1.0' });
    const hostile = {
      kernelspec: FOREIGN.kernelspec,
      nbrepro: {
        schema_version: 1,
        current: envId,
        snapshots: {
          [envId]: { captured_at: '2026-11-21T00:00:00Z', environment }
        },
        runs: {}
      }
    };
    const dialogs: string[] = [];
    page.on('dialog', dialog => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const name = 'hostile.ipynb';
    await page.contents.uploadContent(
      JSON.stringify(notebookWith(hostile, 'print(1)')),
      'text',
      `${tmpPath}/${name}`
    );
    await page.notebook.openByPath(`${tmpPath}/${name}`);
    await page.notebook.activate(name);
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('nbrepro:show-environment')
    );
    const panel = page.locator('#nbrepro-sidebar');
    await expect(panel.locator('.jp-nbrepro-Panel-packages')).toContainText(
      payload
    );
    await expect(panel).toContainText(
      '<script>window.__nbreproPwned=2</script>'
    );
    expect(await panel.locator('img, script').count()).toBe(0);
    expect(
      await page.evaluate(() => (window as any).__nbreproPwned)
    ).toBeUndefined();
    expect(dialogs).toEqual([]);

    // The filter narrows the package table (its section unfolded).
    await panel
      .locator('.jp-nbrepro-Fold-header', { hasText: 'Packages' })
      .click();
    await panel.locator('.jp-nbrepro-Panel-filter').fill('no such package');
    await expect(
      panel.locator('.jp-nbrepro-Panel-packages tr[data-name]:visible')
    ).toHaveCount(0);
  });
});
