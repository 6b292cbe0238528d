import { expect, test } from '@jupyterlab/galata';

import { readNotebook, waitForCellRecords } from './nbfiles';

function notebookFor(kernel: string, language: string, source: string) {
  return JSON.stringify({
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'k1',
        metadata: {},
        outputs: [],
        source
      }
    ],
    metadata: {
      kernelspec: { display_name: kernel, language, name: kernel }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

test('a kernel in a fresh venv without nbrepro is captured through the server', async ({
  page,
  tmpPath
}) => {
  const name = 'fresh.ipynb';
  await page.contents.uploadContent(
    notebookFor(
      'nbrepro-fresh-venv',
      'python',
      'import importlib.util, sys\nprint(importlib.util.find_spec("nbrepro") is None, sys.prefix.endswith("fresh-venv"))'
    ),
    'text',
    `${tmpPath}/${name}`
  );
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await page.notebook.runCell(0);
  // nbrepro is not importable in that kernel, and it runs in the fresh venv.
  expect(await page.notebook.getCellTextOutput(0)).toEqual(['True True\n']);
  await waitForCellRecords(page, 1);
  await page.notebook.save();
  const meta = readNotebook(tmpPath, name).metadata.nbrepro;
  const environment = meta.snapshots[meta.current].environment;
  const names = environment.pip.distributions.map((d: any) =>
    d.name.toLowerCase()
  );
  expect(names).toContain('ipykernel');
  // The server's environment (JupyterLab, nbrepro) is not what was recorded.
  expect(names).not.toContain('jupyterlab');
  expect(names).not.toContain('nbrepro');
  expect(meta.kernel).toEqual({
    name: 'nbrepro-fresh-venv',
    language: 'python'
  });
});

test('a kernel of another language gets a clear state and no metadata', async ({
  page,
  tmpPath
}) => {
  const name = 'bash.ipynb';
  await page.contents.uploadContent(
    notebookFor('nbrepro-bash', 'bash', 'echo hello from bash'),
    'text',
    `${tmpPath}/${name}`
  );
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await page.notebook.runCell(0);
  expect((await page.notebook.getCellTextOutput(0))?.join('')).toContain(
    'hello from bash'
  );
  const item = page.locator('.jp-nbrepro-Status');
  await expect(item).toHaveAttribute('data-capture', 'unsupported');
  await expect(item).toHaveText('nbrepro: not supported for this kernel');
  await expect(item).toHaveAttribute('title', /this kernel runs bash/);
  await page.notebook.save();
  const saved = readNotebook(tmpPath, name);
  expect(saved.metadata.nbrepro).toBeUndefined();
  expect(saved.cells[0].metadata.nbrepro).toBeUndefined();
});
