/**
 * The words of the export check: the title of each kind of finding, and the
 * finding the front end adds for a kernel that drifted. Pure.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { IDriftReport } from '../drift/diff';
import { changeText, severityCounts } from './drift';

/**
 * One thing the export gate found (python/nbrepro/export/gate.py); `cells`
 * are 1-based, as JupyterLab numbers them.
 */
export interface IFinding {
  kind: string;
  cells: number[];
  message: string;
}

/**
 * The title of a finding's kind, as the export dialog shows it (the bundle's
 * README says the same: src/data/finding-titles.json, held equal by
 * test/python/test_export_gate.py).
 */
export function kindTitle(kind: string, trans: TranslationBundle): string {
  switch (kind) {
    case 'stopped':
      return trans.__('Recording stopped at an error');
    case 'raised':
      return trans.__('Errors the recording ran past');
    case 'never-run':
      return trans.__('Never run');
    case 'out-of-order':
      return trans.__('Run out of order');
    case 'not-one-pass':
      return trans.__('Not one run from the top');
    case 'edited-after-run':
      return trans.__('Edited after running');
    case 'unrecorded':
      return trans.__('Run without nbrepro');
    case 'mixed-snapshots':
      return trans.__('Outputs from several environments');
    case 'stale-modules':
      return trans.__('Packages changed without a restart');
    case 'drift':
      return trans.__('Environment drift');
    case 'metadata':
      return trans.__('Damaged nbrepro records');
    case 'unseeded':
      return trans.__('Unseeded randomness');
    case 'missing-inputs':
      return trans.__('Files the bundle lacks');
    case 'large-inputs':
      return trans.__('Input data not carried');
    case 'not-fetchable':
      return trans.__('Package no index has');
    default:
      return kind;
  }
}

/**
 * The export check's finding for a kernel whose environment differs from the
 * recorded one: none when nothing differs. The bundle rebuilds the recorded
 * environment unless cells ran in the kernel since.
 */
export function kernelDriftFindings(
  report: IDriftReport,
  trans: TranslationBundle
): IFinding[] {
  if (report.differences.length === 0) {
    return [];
  }
  const shown = report.differences
    .slice(0, 3)
    .map(item => changeText(item, trans));
  const more = report.differences.length - shown.length;
  return [
    {
      kind: 'drift',
      cells: [],
      message: trans.__(
        "the running kernel's environment differs from the recorded one (%1; %2%3): the bundle rebuilds the environment the outputs came from; if they should come from the kernel's environment instead, run the cells again before exporting",
        severityCounts(report.counts, trans),
        shown.join('; '),
        more > 0 ? trans.__(' and %1 more', more) : ''
      )
    }
  ];
}
