/**
 * The words of verify (a re-run in a fresh kernel compared with the
 * recording): a cell's verdict, the difference, the progress and the
 * outcome. Pure, so that they are tested without a browser.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type {
  IVerifyCell,
  IVerifyDifference,
  IVerifyJob,
  IVerifyReport,
  VerifyStatus
} from '../server/verify';

/**
 * A cell's verdict in a word or two (the mark beside the cell, the panel).
 */
export function verifyStatusWord(
  status: VerifyStatus,
  trans: TranslationBundle
): string {
  const words: { [status in VerifyStatus]: string } = {
    same: trans.__('Same'),
    different: trans.__('Different'),
    error: trans.__('Error'),
    'not recorded': trans.__('Not recorded'),
    'not run': trans.__('Not run')
  };
  return words[status];
}

/**
 * A code cell as the notebook shows it: by its execution count when it has
 * one ("cell [3]"), else by its place among the code cells ("code cell 4").
 */
export function cellName(
  codeIndex: number,
  executionCount: number | null,
  trans: TranslationBundle
): string {
  return executionCount !== null
    ? trans.__('cell [%1]', executionCount)
    : trans.__('code cell %1', codeIndex + 1);
}

/**
 * Where the outputs differ, as a person says it.
 */
export function describeWhere(where: string, trans: TranslationBundle): string {
  const display = /^output (\d+) (.+)$/.exec(where);
  if (display) {
    const inner = display[2];
    if (inner === 'type') {
      return trans.__('display %1: its kind', display[1]);
    }
    if (inner === 'mimetypes') {
      return trans.__('display %1: its formats', display[1]);
    }
    return inner.startsWith('image/')
      ? trans.__('display %1: the image', display[1])
      : trans.__('display %1', display[1]);
  }
  const words: { [where: string]: string } = {
    stdout: trans.__('printed output'),
    stderr: trans.__('error stream (stderr)'),
    error: trans.__('the exception raised'),
    'error message': trans.__('the exception’s message'),
    displays: trans.__('the number of displays')
  };
  return words[where] ?? where;
}

/**
 * The difference in one sentence: where, what was recorded, what it is now.
 */
export function describeVerifyDifference(
  difference: IVerifyDifference,
  trans: TranslationBundle
): string {
  const where = describeWhere(difference.where, trans);
  if (/^output \d+ image\//.test(difference.where)) {
    // Two images are compared by their pixels: the dialog shows both.
    return trans.__('%1 differs.', where);
  }
  const line =
    difference.line !== null &&
    difference.line > 1 &&
    !difference.where.startsWith('output')
      ? trans.__(' (line %1)', difference.line)
      : '';
  return trans.__(
    '%1%2 differs: recorded “%3”, now “%4”.',
    where,
    line,
    difference.recorded,
    difference.now
  );
}

/**
 * One line for a cell's result, as the panel lists it.
 */
export function describeVerifyCell(
  cell: IVerifyCell,
  trans: TranslationBundle
): string {
  if (cell.status === 'different' && cell.difference) {
    const cause = cell.causes[0]
      ? trans.__(' Likely cause: %1', cell.causes[0])
      : '';
    return describeVerifyDifference(cell.difference, trans) + cause;
  }
  if (cell.status === 'error') {
    const said =
      cell.notes.join('; ') || trans.__('The cell raised an exception.');
    return cell.causes[0]
      ? trans.__('%1. Likely cause: %2', said, cell.causes[0])
      : said;
  }
  if (cell.status === 'not recorded') {
    return trans.__('It had not run when the notebook was saved.');
  }
  if (cell.status === 'not run') {
    return trans.__('The re-run stopped before it.');
  }
  return trans.__('The same outputs as recorded.');
}

/**
 * Where a running verify stands.
 */
export function verifyProgress(
  job: IVerifyJob,
  trans: TranslationBundle
): string {
  const total = job.total || job.cells.length;
  if (job.running === null && job.done === 0) {
    return trans.__('Starting a fresh kernel on the server…');
  }
  if (job.done >= total && total > 0) {
    return trans.__('Comparing the outputs…');
  }
  return trans.__(
    'Running cell %1 of %2 in a fresh kernel…',
    job.done + 1,
    total
  );
}

/**
 * The result in a sentence: "All 4 cells give the same outputs." or
 * "3 cells the same, 1 different."
 */
export function verifySummary(
  report: IVerifyReport,
  trans: TranslationBundle
): string {
  const s = report.summary;
  const compared = s.same + s.different + s.error + s['not run'];
  if (compared > 0 && compared === s.same) {
    return trans._n(
      'The one cell gives the same outputs.',
      'All %1 cells give the same outputs.',
      s.same
    );
  }
  const parts: string[] = [];
  if (s.same) {
    parts.push(trans._n('%1 cell the same', '%1 cells the same', s.same));
  }
  if (s.different) {
    parts.push(trans.__('%1 different', s.different));
  }
  if (s.error) {
    parts.push(trans._n('%1 raised an error', '%1 raised errors', s.error));
  }
  if (s['not run']) {
    parts.push(trans.__('%1 not run', s['not run']));
  }
  if (s['not recorded']) {
    parts.push(trans.__('%1 never ran in the recording', s['not recorded']));
  }
  return parts.length > 0
    ? parts.join(', ') + '.'
    : trans.__('The notebook has no code cell to compare.');
}

/**
 * How a run ended, when it did not give a report.
 */
export function verifyEnding(
  job: IVerifyJob,
  trans: TranslationBundle
): string {
  switch (job.state) {
    case 'cancelled':
      return trans.__(
        'Verify cancelled; its kernel was shut down. Nothing was changed.'
      );
    case 'timed out':
      return trans.__('Verify %1.', job.message ?? 'stopped');
    case 'failed':
      return trans.__('Verify could not run: %1', job.message ?? '');
    default:
      return '';
  }
}
