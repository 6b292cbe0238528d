/**
 * A notebook's record as the panel reads it: its code cells numbered as the
 * notebook shows them with their runs, and its environments by name. Pure;
 * the record and the cells come from the door.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { usedDistributions } from '../drift/diff';
import type { ICellEntry, NotebookRecord } from '../record/document';
import { cellNumbers } from './cells';
import { environmentNames } from './environment';
import type { ICellRun } from './runs';

/**
 * The code cells nbrepro recorded, numbered as the notebook shows them, with
 * their run records (a run the record lacks is an empty one).
 */
export function numberedRuns(
  record: NotebookRecord,
  cells: ICellEntry[]
): (ICellRun & { env: string })[] {
  const code = cells.filter(cell => cell.type === 'code');
  const numbers = cellNumbers(
    code.map(cell => ({
      executionCount: cell.executionCount,
      recorded: cell.record !== null
    }))
  );
  const out: (ICellRun & { env: string })[] = [];
  code.forEach((cell, index) => {
    const number = numbers[index];
    if (cell.record && number !== null) {
      const run = cell.record.run ? (record.runs[cell.record.run] ?? {}) : null;
      out.push({ number, run, env: cell.record.env });
    }
  });
  return out;
}

/**
 * A name for each of `ids` (snapshots the record holds), by what tells them
 * apart; the first is the reference. The kernel's (`kernel`) is named
 * without a date: it is the environment now.
 */
export function snapshotNames(
  record: NotebookRecord,
  ids: string[],
  kernel: string | null,
  trans: TranslationBundle
): Map<string, string> {
  const known = ids.filter(id => id in record.snapshots);
  const names = environmentNames(
    known.map(id => ({
      environment: record.snapshots[id].environment,
      captured_at: id === kernel ? null : record.snapshots[id].captured_at
    })),
    usedDistributions(record),
    trans
  );
  return new Map(known.map((id, index) => [id, names[index]]));
}
