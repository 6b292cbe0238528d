import * as fs from 'fs';
import * as path from 'path';

import {
  applyCollect,
  MAX_SNAPSHOTS,
  prune,
  readCellMeta,
  readCollected,
  readNotebookMeta
} from '../../../src/record/metadata';

/**
 * Shared vectors: python/nbrepro/notebook.py runs the same files in pytest, so
 * the two implementations cannot drift apart.
 */
const VECTORS = path.resolve(__dirname, '..', '..', 'vectors', 'metadata');

function load(): { file: string; vector: any }[] {
  return (
    fs
      .readdirSync(VECTORS)
      // The "read" vectors are the door's: document.spec.ts runs them.
      .filter(file => file.endsWith('.json') && !file.includes('-read-'))
      .sort()
      .map(file => ({
        file,
        vector: JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf-8'))
      }))
  );
}

const vectors = load();

describe('shared metadata vectors', () => {
  it('exist', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
  });

  for (const { file, vector } of vectors) {
    it(`${file}: ${vector.description}`, () => {
      if ('collected' in vector) {
        // python/nbrepro/notebook.py's apply_collect reads both arguments
        // itself; here the door's readers do, and applyCollect merges.
        const result = applyCollect(
          readNotebookMeta(vector.before).value,
          readCollected(vector.collected),
          vector.captured_at,
          vector.kernel ?? undefined,
          vector.advance ?? true
        );
        expect(result).toEqual(vector.expected);
      } else {
        const cells = (vector.cells as unknown[]).map(readCellMeta);
        const notebook = readNotebookMeta(vector.notebook).value;
        expect(prune(notebook, cells)).toEqual(vector.expected);
      }
    });
  }
});

describe('readNotebookMeta with hostile input', () => {
  it('never throws and names each problem', () => {
    const inputs = [
      'string',
      42,
      [],
      { schema_version: 1, snapshots: [], runs: 'x', current: '../../etc' },
      {
        schema_version: 1,
        snapshots: { 'not-an-id': {}, '0123456789abcdef': { environment: 1 } }
      },
      { schema_version: 99, snapshots: {} }
    ];
    for (const input of inputs) {
      const { value, problems } = readNotebookMeta(input);
      expect(value.snapshots).toEqual({});
      expect(problems.length).toBeGreaterThan(0);
    }
  });

  it('stops reading a huge snapshot list at the limit, and says so', () => {
    const snapshots: { [id: string]: unknown } = {};
    for (let i = 0; i < 5000; i++) {
      snapshots[i.toString(16).padStart(16, '0')] = {
        environment: { pip: { distributions: [] } },
        captured_at: '2026-01-01T00:00:00Z'
      };
    }
    const started = Date.now();
    const { value, problems } = readNotebookMeta({
      schema_version: 1,
      snapshots,
      runs: {}
    });
    expect(Object.keys(value.snapshots)).toHaveLength(MAX_SNAPSHOTS);
    expect(problems.join()).toContain('more than 256 entries');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('author_order (the counts before nbrepro run re-ran the notebook)', () => {
  const good = { cells: [2, 3], counts: [4, null], finding: 'out-of-order' };
  const base = { schema_version: 1, snapshots: {}, runs: {} };

  it('keeps a valid one and drops a malformed one with a problem', () => {
    const kept = readNotebookMeta({ ...base, author_order: good });
    expect(kept.problems).toEqual([]);
    expect(kept.value.author_order).toEqual(good);
    for (const bad of [
      { ...good, counts: [4] },
      { ...good, cells: [0, 3] },
      { ...good, counts: [4, -1] },
      { ...good, finding: 'drift' },
      { ...good, extra: 1 },
      [good]
    ]) {
      const { value, problems } = readNotebookMeta({
        ...base,
        author_order: bad
      });
      expect(value.author_order).toBeUndefined();
      expect(problems).toEqual([
        'metadata.nbrepro.author_order is not valid; dropped'
      ]);
    }
  });
});
