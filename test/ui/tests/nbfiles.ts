/**
 * Helpers of the UI tests: read what JupyterLab saved from disk, and run the
 * nbrepro command line of the repository's environment.
 */
import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const repo = path.resolve(__dirname, '..', '..', '..');
export const python = path.join(repo, '.venv', 'bin', 'python');

export function serverRoot(): string {
  const root = process.env.NBREPRO_UI_ROOT;
  if (!root) {
    throw new Error(
      'NBREPRO_UI_ROOT is not set: run through test/ui/playwright.config.js'
    );
  }
  return root;
}

/**
 * The notebook file as it is on disk (what a user's git would see).
 */
export function readNotebook(tmpPath: string, name: string): any {
  const file = path.join(serverRoot(), tmpPath, name);
  return JSON.parse(fs.readFileSync(file, 'utf-8'));
}

/**
 * Run Python code in the repository's environment (with nbrepro installed)
 * and return what it printed.
 */
export function runPython(code: string, input?: string): string {
  return execFileSync(python, ['-c', code], {
    input,
    encoding: 'utf-8',
    timeout: 120_000
  });
}

/**
 * Validate a notebook with nbformat and with nbrepro's JSON Schema; returns
 * the problems ('' when valid).
 */
export function validateNotebook(notebook: unknown): string {
  return runPython(
    [
      'import json, sys, nbformat',
      'from nbrepro.record import metadata as nbmeta',
      'nb = nbformat.reads(sys.stdin.read(), as_version=4)',
      'nbformat.validate(nb)',
      'problems = list(nbmeta.validate(nb.metadata["nbrepro"]))',
      'print("\\n".join(map(str, problems)))'
    ].join('\n'),
    JSON.stringify(notebook)
  ).trim();
}

/**
 * Build a tiny wheel for `%pip install` in a kernel, with no network.
 */
export function makeWheel(dir: string, name: string, version: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return runPython(
    [
      'import base64, hashlib, sys, zipfile, os',
      `name, version, out = ${JSON.stringify(name)}, ${JSON.stringify(version)}, ${JSON.stringify(dir)}`,
      'dist = f"{name}-{version}.dist-info"',
      'files = {f"{name}.py": b"VALUE = 1\\n",',
      '  f"{dist}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n\\n".encode(),',
      '  f"{dist}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: nbrepro-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}',
      'def digest(data): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()',
      'record = "".join(f"{p},{digest(d)},{len(d)}\\n" for p, d in files.items()) + f"{dist}/RECORD,,\\n"',
      'path = os.path.join(out, f"{name}-{version}-py3-none-any.whl")',
      'with zipfile.ZipFile(path, "w") as z:',
      '    [z.writestr(p, d) for p, d in files.items()]',
      '    z.writestr(f"{dist}/RECORD", record)',
      'print(path)'
    ].join('\n')
  ).trim();
}

/**
 * Wait until `count` code cells of the current notebook carry nbrepro's
 * record: capture runs after the cells, without making them wait.
 */
export async function waitForCellRecords(
  page: IJupyterLabPageFixture,
  count: number
): Promise<void> {
  await page.waitForFunction(
    expected => {
      const widget = (window as any).jupyterapp.shell.currentWidget;
      const cells = widget?.content?.model?.cells;
      if (!cells) {
        return false;
      }
      let recorded = 0;
      for (let i = 0; i < cells.length; i++) {
        if (cells.get(i).getMetadata('nbrepro')) {
          recorded += 1;
        }
      }
      return recorded >= expected;
    },
    count,
    { timeout: 30_000 }
  );
}

/**
 * A notebook recorded in this very environment, except that NumPy was at
 * 1.26.4 and the packages named in `extra` were installed too.
 */
export function driftedNotebook(
  recordedId: string,
  extra: string[] = []
): string {
  const snapshot = JSON.parse(
    runPython(
      'import sys; from nbrepro.cli import main; sys.exit(main(["snapshot", "--format", "json"]))'
    )
  );
  const environment = snapshot.environment;
  const numpy = environment.pip.distributions.find(
    (d: any) => d.name.toLowerCase() === 'numpy'
  );
  if (!numpy) {
    throw new Error('the test environment has no NumPy');
  }
  numpy.version = '1.26.4';
  for (const name of extra) {
    environment.pip.distributions.push({ name, version: '1.0' });
  }
  return JSON.stringify({
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'd1',
        metadata: {},
        outputs: [],
        source: 'import numpy\nprint(numpy.__version__)'
      }
    ],
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      nbrepro: {
        schema_version: 1,
        current: recordedId,
        snapshots: {
          [recordedId]: { captured_at: '2026-01-01T00:00:00Z', environment }
        },
        runs: {}
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/**
 * A notebook recorded elsewhere: its cell ran and has an output from the
 * recorded environment (its cell record says so); this server's kernel
 * differs (numpy).
 */
export function recordedElsewhere(recordedId: string): string {
  const notebook = JSON.parse(driftedNotebook(recordedId));
  const cell = notebook.cells[0];
  cell.execution_count = 1;
  cell.outputs = [{ output_type: 'stream', name: 'stdout', text: '1.26.4\n' }];
  cell.metadata = {
    nbrepro: {
      env: recordedId,
      src: crypto
        .createHash('sha256')
        .update(cell.source, 'utf8')
        .digest('hex')
        .slice(0, 16)
    }
  };
  return JSON.stringify(notebook, null, 1) + '\n';
}

/**
 * The names in a folder under the server's root, sorted; null when there is
 * no such folder (what an export wrote, or did not write).
 */
export function listFolder(tmpPath: string, name: string): string[] | null {
  const folder = path.join(serverRoot(), tmpPath, name);
  if (!fs.existsSync(folder)) {
    return null;
  }
  return fs.readdirSync(folder).sort();
}

/**
 * The packages the Jupyter server needs, left out of the walk notebook's
 * recorded environment: recorded elsewhere, the notebook now opens in the
 * server's own environment, where they are "new".
 */
export const SERVER_PACKAGES = [
  'jupyterlab',
  'jupyterlab_server',
  'jupyter_server',
  'notebook',
  'notebook_shim'
];

/**
 * The notebook of issue 23's walk: recorded in this environment except
 * numpy 1.26.4, six 1.16.0, scipy 1.14.1 (not installed here), pip 23.3.1
 * and without the server's packages; one cell seeds two ways, one draws,
 * then many cells that do not seed, a markdown cell among them (cells are
 * numbered as the notebook shows them).
 */
export function walkNotebook(recordedId = 'feedfacefeedface'): string {
  const notebook = JSON.parse(driftedNotebook(recordedId, []));
  const environment =
    notebook.metadata.nbrepro.snapshots[recordedId].environment;
  const find = (name: string) =>
    environment.pip.distributions.find(
      (d: any) => d.name.toLowerCase().replace(/[-_.]+/g, '-') === name
    );
  find('six').version = '1.16.0';
  find('pip').version = '23.3.1';
  environment.pip.distributions = environment.pip.distributions.filter(
    (d: any) =>
      !SERVER_PACKAGES.includes(d.name.toLowerCase().replace(/[-.]+/g, '_'))
  );
  environment.pip.distributions.push({ name: 'scipy', version: '1.14.1' });
  const code = (id: string, source: string) => ({
    cell_type: 'code',
    execution_count: null,
    id,
    metadata: {},
    outputs: [],
    source
  });
  notebook.cells = [
    {
      cell_type: 'markdown',
      id: 'm1',
      metadata: {},
      source: '# A seeded analysis'
    },
    code('c1', 'import numpy as np\nprint(np.__version__)'),
    code('c2', 'rng = np.random.default_rng(42)\nnp.random.seed(0)'),
    code('c3', 'x = rng.normal(size=1000)\nx.mean()'),
    ...Array.from({ length: 6 }, (_, i) =>
      code(`d${i}`, `y${i} = x[${i}] * 2\ny${i}`)
    )
  ];
  return JSON.stringify(notebook, null, 1) + '\n';
}

/**
 * Write a notebook (a markdown cell, then `cells` as code cells) at `file`
 * and record it with `nbrepro run`, as a user's recorded notebook.
 */
export function recordNotebook(file: string, cells: string[]): void {
  runPython(
    [
      'import sys, nbformat',
      'from nbrepro.cli import main',
      `path, cells = ${JSON.stringify(file)}, ${JSON.stringify(cells)}`,
      'nb = nbformat.v4.new_notebook()',
      'nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}',
      'nb.cells = [nbformat.v4.new_markdown_cell("# Verify me")] + [nbformat.v4.new_code_cell(c) for c in cells]',
      'nbformat.write(nb, path)',
      'sys.exit(main(["run", path]))'
    ].join('\n')
  );
}

/**
 * A 48x32 PNG of one colour, as a plotting library would display it.
 */
export function writePicture(file: string, rgb: [number, number, number]) {
  runPython(
    [
      'from PIL import Image',
      `Image.new("RGB", (48, 32), tuple(${JSON.stringify(rgb)})).save(${JSON.stringify(file)})`
    ].join('\n')
  );
}
