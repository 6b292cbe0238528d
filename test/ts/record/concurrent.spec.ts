import * as fs from 'fs';
import * as path from 'path';

import {
  lostRecords,
  readCellMeta,
  readDocumentMeta,
  withRecordsOf
} from '../../../src/record/document';

/**
 * Two browsers writing one notebook's record (a real-time collaboration
 * room): what one wrote is kept when the other writes, and put back when a
 * crossing write lost it.
 */
// A real snapshot and run record, from a shared vector of the door.
const VECTOR = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '..',
      '..',
      'vectors',
      'metadata',
      '60-read-name-a-number.json'
    ),
    'utf-8'
  )
).expected.notebook;
const SNAPSHOT = Object.values(VECTOR.snapshots)[0];
const RUN = Object.values(VECTOR.runs)[0];

function record(snapshots: string[], runs: string[], current: string | null) {
  const raw = {
    schema_version: 1,
    current,
    snapshots: Object.fromEntries(snapshots.map(id => [id, SNAPSHOT])),
    runs: Object.fromEntries(runs.map(id => [id, RUN]))
  };
  const { value, problems } = readDocumentMeta(raw);
  expect(problems).toEqual([]);
  return value;
}

const A = 'aaaaaaaaaaaaaaa1';
const B = 'bbbbbbbbbbbbbbb2';
const RUN_A = '1111111111111111';
const RUN_B = '2222222222222222';

describe('withRecordsOf', () => {
  it('keeps what each side holds, and the base’s current', () => {
    const mine = record([A], [RUN_A], A);
    const theirs = record([A, B], [RUN_B], B);
    const both = withRecordsOf(mine, theirs);
    expect(Object.keys(both.snapshots).sort()).toEqual([A, B]);
    expect(Object.keys(both.runs).sort()).toEqual([RUN_A, RUN_B]);
    expect(both.current).toBe(A);
    expect(withRecordsOf(record([], [], null), theirs).current).toBe(B);
  });
});

describe('lostRecords', () => {
  const cells = [
    readCellMeta({ env: A, run: RUN_A, src: '0123456789abcdef' }),
    readCellMeta({ env: A, run: RUN_B, src: 'fedcba9876543210' }),
    null
  ];

  it('names the runs and snapshots cells refer to that a crossing write dropped', () => {
    const known = record([A], [RUN_A, RUN_B], A);
    const afterCrossing = record([A], [RUN_B], A);
    const lost = lostRecords(afterCrossing, known, cells);
    expect(lost).not.toBeNull();
    expect(Object.keys(lost!.runs)).toEqual([RUN_A]);
    expect(Object.keys(lost!.snapshots)).toEqual([]);
    const healed = withRecordsOf(afterCrossing, lost!);
    expect(Object.keys(healed.runs).sort()).toEqual([RUN_A, RUN_B]);
    expect(lostRecords(healed, known, cells)).toBeNull();
  });

  it('does not bring back what no cell refers to (a save pruned it)', () => {
    const known = record([A, B], [RUN_A, RUN_B, '3333333333333333'], A);
    expect(
      lostRecords(record([A], [RUN_A, RUN_B], A), known, cells)
    ).toBeNull();
  });
});
