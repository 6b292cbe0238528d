/**
 * Helpers of the UI tests: read what JupyterLab saved from disk, and run the
 * nbrepro command line of the repository's environment.
 */
import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
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
