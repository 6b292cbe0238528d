import {
  driftKey,
  measureDrift,
  recordedState
} from '../../../src/capture/drift';
import { NotebookRecord, readDocumentMeta } from '../../../src/record/document';

/**
 * The drift a notebook shows: its record (read at the door) against the
 * kernel's snapshot, as the controller measures it.
 */
const RECORDED = 'aaaaaaaaaaaaaaa1';
const KERNEL = 'bbbbbbbbbbbbbbb2';

function environment(numpy: string): unknown {
  return {
    python: {
      source: 'interpreter',
      version: '3.12.7',
      implementation: 'cpython',
      executable_kind: 'venv',
      prefix: '/opt/env'
    },
    platform: {
      system: 'Linux',
      release: '6.1',
      machine: 'x86_64',
      sys_platform: 'linux',
      libc: { name: 'glibc', version: '2.36' }
    },
    conda: null,
    pip: {
      site_dirs: [
        { path: '/opt/env/lib/python3.12/site-packages', location: 'prefix' }
      ],
      main_site: 0,
      distributions: [
        { name: 'numpy', version: numpy },
        { name: 'six', version: '1.16.0' }
      ]
    }
  };
}

function record(modules: { [module: string]: string } | null): NotebookRecord {
  const run = {
    seeds: { calls: [], recovered: {}, fingerprints: {}, status: 'unseeded' },
    ...(modules ? { modules } : {})
  };
  const read = readDocumentMeta({
    schema_version: 1,
    current: RECORDED,
    snapshots: {
      [RECORDED]: {
        environment: environment('1.26.4'),
        captured_at: '2026-01-01T00:00:00Z'
      },
      [KERNEL]: {
        environment: environment('2.4.6'),
        captured_at: '2026-01-02T00:00:00Z'
      }
    },
    runs: { cccccccccccccccc: run }
  });
  expect(read.problems).toEqual([]);
  return read.value;
}

describe('measureDrift', () => {
  it('grades the kernel against the recorded snapshot, by what the notebook imports', () => {
    const drift = measureDrift(record({ np: 'numpy' }), KERNEL, [], 'a.ipynb');
    expect(drift).toMatchObject({
      notebookPath: 'a.ipynb',
      recorded: RECORDED,
      kernel: KERNEL
    });
    expect(drift!.report.differences).toMatchObject([
      {
        kind: 'package-upgraded',
        name: 'numpy',
        before: '1.26.4',
        after: '2.4.6',
        used: true,
        severity: 'high'
      }
    ]);
    expect(
      measureDrift(record({}), KERNEL, [], 'a.ipynb')!.report.severity
    ).toBe('medium');
    expect(
      measureDrift(record({}), KERNEL, ['num*'], 'a.ipynb')!.report.differences
    ).toEqual([]);
  });

  it('finds nothing to compare without a kernel snapshot, or with the same one', () => {
    const notebook = record(null);
    expect(measureDrift(notebook, null, [], 'a.ipynb')).toBeNull();
    expect(measureDrift(notebook, RECORDED, [], 'a.ipynb')).toBeNull();
    expect(
      measureDrift(notebook, 'ccccccccccccccc3', [], 'a.ipynb')
    ).toBeNull();
  });

  it('is measured again when the imports change, not before', () => {
    const key = driftKey(record({}), KERNEL, []);
    expect(driftKey(record({}), KERNEL, [])).toBe(key);
    expect(driftKey(record({ np: 'numpy' }), KERNEL, [])).not.toBe(key);
    expect(driftKey(record({}), KERNEL, ['six'])).not.toBe(key);
  });
});

describe('recordedState', () => {
  it('shows the kernel snapshot when the record holds it, with the drift', () => {
    const notebook = record({ np: 'numpy' });
    const drift = measureDrift(notebook, KERNEL, [], 'a.ipynb');
    expect(recordedState(notebook, KERNEL, drift)).toEqual({
      kind: 'recorded',
      envId: KERNEL,
      packages: 2,
      snapshots: 2,
      drift: 'high'
    });
    expect(recordedState(notebook, null, null)).toMatchObject({
      envId: RECORDED,
      drift: 'none'
    });
  });

  it('says the kernel returned nothing when there is nothing to show', () => {
    const empty = readDocumentMeta(null).value;
    expect(recordedState(empty, null, null)).toEqual({
      kind: 'failed',
      reason: 'the kernel returned no environment'
    });
  });
});
