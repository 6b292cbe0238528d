import * as fs from 'fs';
import * as path from 'path';

import { depthExceeds, readDocumentMeta } from '../../../src/record/document';

/**
 * The door's shared vectors: python/nbrepro/document.py (read_meta) answers
 * the same files in pytest (test_document.py), so the two readers agree on
 * what a notebook's metadata.nbrepro holds once read.
 */
const VECTORS = path.resolve(__dirname, '..', '..', 'vectors', 'metadata');

// The problems both readers word the same (as make_read_vectors.py keeps them).
function kept(problems: string[]): string[] {
  const out: string[] = [];
  for (const problem of problems) {
    if (problem.includes('does not match the schema')) {
      out.push(problem.split(' (')[0]);
    } else if (
      problem.includes('determinism setting') ||
      problem.includes('current named a snapshot')
    ) {
      out.push(problem);
    }
  }
  return out.sort();
}

const files = fs
  .readdirSync(VECTORS)
  .filter(file => file.includes('-read-') && file.endsWith('.json'))
  .sort();

describe('shared read vectors', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  for (const file of files) {
    const vector = JSON.parse(
      fs.readFileSync(path.join(VECTORS, file), 'utf-8')
    );
    it(`${file}: ${vector.description}`, () => {
      const frozen = JSON.stringify(vector.read);
      const { value, problems } = readDocumentMeta(vector.read);
      expect(value).toEqual(vector.expected.notebook);
      expect(kept(problems)).toEqual(vector.expected.problems);
      expect(JSON.stringify(vector.read)).toEqual(frozen);
    });
  }
});

describe('readDocumentMeta with hostile input', () => {
  it('refuses metadata nested deeper than the limit, without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) {
      deep = [deep];
    }
    expect(depthExceeds(deep)).toBe(true);
    const { value, problems } = readDocumentMeta({
      schema_version: 1,
      snapshots: {},
      kernel: deep
    });
    expect(value.snapshots).toEqual({});
    expect(problems[0]).toContain('nests deeper than 100 levels');
  });

  it('never throws on values of every type', () => {
    for (const raw of [
      null,
      'x',
      1.5,
      [],
      {},
      { schema_version: 1, runs: { ['a'.repeat(16)]: { seeds: 'x' } } }
    ]) {
      expect(() => readDocumentMeta(raw)).not.toThrow();
    }
  });
});
