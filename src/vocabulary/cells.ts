/**
 * Cells as a person reads them: numbered as the notebook shows them, in
 * ranges. Twin of python/nbrepro/record/words.py (cell_range, cell_numbers),
 * held equal by test/vectors/words/. Pure.
 */
import { TranslationBundle } from '@jupyterlab/translation';

/**
 * "cell 2", "cells 1, 3–50": runs of three or more joined by an en dash.
 */
export function cellRange(numbers: number[], trans: TranslationBundle): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = 0;
  while (start < sorted.length) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) {
      end += 1;
    }
    if (end - start >= 2) {
      parts.push(`${sorted[start]}–${sorted[end]}`);
    } else {
      parts.push(...sorted.slice(start, end + 1).map(String));
    }
    start = end + 1;
  }
  return trans._n('cell %2', 'cells %2', sorted.length, parts.join(', '));
}

/**
 * One code cell, in notebook order.
 */
export interface ICellNumbering {
  executionCount: number | null;
  /** Whether nbrepro recorded a run of it. */
  recorded: boolean;
}

/**
 * How the notebook shows each code cell's number: its execution count (the
 * prompt's [n]) when every recorded cell has a distinct one, else its place
 * among the code cells, 1-based (markdown cells are not counted).
 */
export function cellNumbers(cells: ICellNumbering[]): (number | null)[] {
  const counts = cells.filter(c => c.recorded).map(c => c.executionCount);
  const byCount =
    counts.every(count => typeof count === 'number') &&
    new Set(counts).size === counts.length;
  return cells.map((cell, index) =>
    byCount ? cell.executionCount : index + 1
  );
}
