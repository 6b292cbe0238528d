import * as fs from 'fs';
import * as path from 'path';

import {
  CellRecord,
  mergeCollect,
  NotebookRecord,
  pruneRecord,
  readCellMeta,
  readCellRecords,
  readCollected,
  readDocumentMeta,
  withCurrent
} from '../../../src/record/document';

/**
 * The door's records: only the door makes one, and what the kernel adds is
 * checked like what a file holds.
 */
const ENV = 'aaaaaaaaaaaaaaa1';
const KERNEL = 'bbbbbbbbbbbbbbb2';

function environment(numpyVersion: unknown): unknown {
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
        { name: 'numpy', version: numpyVersion },
        { name: 'six', version: '1.16.0' }
      ]
    }
  };
}

function recorded(): NotebookRecord {
  const read = readDocumentMeta({
    schema_version: 1,
    current: ENV,
    snapshots: {
      [ENV]: {
        environment: environment('1.26.4'),
        captured_at: '2026-01-01T00:00:00Z'
      }
    },
    runs: {}
  });
  expect(read.problems).toEqual([]);
  return read.value;
}

describe('a record', () => {
  it('is made by the door only: raw JSON and plain objects are not records', () => {
    const raw: unknown = JSON.parse(
      '{"schema_version": 1, "current": null, "snapshots": {}, "runs": {}}'
    );
    const plain = { schema_version: 1, current: null, snapshots: {}, runs: {} };
    // @ts-expect-error: JSON is a record once the door read it, not before.
    const forged: NotebookRecord = raw;
    // @ts-expect-error: nor is an object of the model's shape.
    const shaped: NotebookRecord = plain;
    // @ts-expect-error: the same for a cell's record.
    const cell: CellRecord = { env: ENV, src: ENV };
    expect([forged, shaped, cell]).toHaveLength(3);
    const read: NotebookRecord = readDocumentMeta(raw).value;
    expect(read).toEqual(plain);
  });
});

describe('mergeCollect', () => {
  it('checks what the kernel added against the schema, as a file is checked', () => {
    const collected = readCollected({
      schema_version: 1,
      hooks: true,
      environment_id: KERNEL,
      environments: { [KERNEL]: environment(2) },
      runs: {},
      cells: [
        {
          cell_id: 'c1',
          execution_count: 1,
          success: true,
          env: KERNEL,
          run: null,
          src: 'cccccccccccccccc'
        }
      ]
    });
    const { notebook, cells, problems } = mergeCollect(
      recorded(),
      collected,
      '2026-01-02T00:00:00Z',
      { name: 'python3', language: 'python' },
      false
    );
    // The distribution whose version is not a string went; the rest stayed.
    expect(problems.map(problem => problem.split(' (')[0])).toEqual([
      `snapshot ${KERNEL}: environment/pip/distributions/0 does not match the schema`
    ]);
    expect(notebook.snapshots[KERNEL].environment.pip.distributions).toEqual([
      { name: 'six', version: '1.16.0' }
    ]);
    expect(notebook.current).toBe(ENV);
    expect(cells).toEqual({ c1: { env: KERNEL, src: 'cccccccccccccccc' } });
  });
});

describe('readCollected', () => {
  it('keeps the shape applyCollect takes, whatever the kernel sent', () => {
    const collected = readCollected({
      hooks: 'yes',
      environment_id: '../etc',
      environments: { 'not-an-id': {}, [KERNEL]: 'x' },
      cells: [null, { cell_id: 7, env: ENV, src: 5 }],
      problems: [{ probe: 'pip', message: 'slow' }, 'text']
    });
    expect(collected.hooks).toBe(false);
    expect(collected.environment_id).toBeNull();
    expect(collected.environments).toEqual({});
    expect(collected.cells).toEqual([
      {
        cell_id: null,
        execution_count: null,
        success: false,
        env: ENV,
        run: null,
        src: null
      }
    ]);
    expect(collected.problems).toEqual([{ probe: 'pip', message: 'slow' }]);
  });
});

describe('records from records', () => {
  it('moves current only to a snapshot the record holds', () => {
    const record = recorded();
    expect(withCurrent(record, KERNEL)).toBeNull();
    expect(withCurrent(record, ENV)?.current).toBe(ENV);
  });

  it('prunes to what the cells and current name', () => {
    const record = recorded();
    const cell = readCellMeta({ env: ENV, src: ENV });
    expect(pruneRecord(record, [cell])).toEqual(record);
    expect(
      Object.keys(pruneRecord({ ...record, current: null }, []).snapshots)
    ).toEqual([]);
  });
});

describe('shared cell vectors', () => {
  const folder = path.join(__dirname, '..', '..', 'vectors', 'cells');
  const files = fs.readdirSync(folder).filter(f => f.endsWith('.json'));
  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  for (const file of files.sort()) {
    const vector = JSON.parse(
      fs.readFileSync(path.join(folder, file), 'utf-8')
    );
    it(`${file}: ${vector.description}`, () => {
      const cells = vector.cells.map((cell: any) => ({
        type: cell.cell_type,
        source: cell.source,
        meta: cell.metadata.nbrepro
      }));
      const read = readCellRecords(cells);
      expect(read.records).toEqual(vector.expected.records);
      expect(read.problems).toEqual(vector.expected.problems);
    });
  }
});
