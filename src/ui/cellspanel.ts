import { TranslationBundle } from '@jupyterlab/translation';

import { NotebookCapture } from '../capture/controller';
import {
  cellRange,
  numberedRuns,
  snapshotNames,
  staleLines
} from '../vocabulary';
import { el } from './dom';
import { Section } from './section';

/**
 * Which cells' outputs came from which environment, each environment named
 * by what tells it apart (its id on hover).
 */
export class CellsSection extends Section {
  constructor(trans: TranslationBundle) {
    super(trans, 'cells', trans.__('Cells by environment'));
  }

  protected render(capture: NotebookCapture): void {
    const trans = this.trans;
    const record = capture.record!;
    const groups = new Map<string, number[]>();
    const runs = numberedRuns(record, capture.cells());
    for (const cell of runs) {
      groups.set(cell.env, [...(groups.get(cell.env) ?? []), cell.number]);
    }
    if (groups.size === 0) {
      this.node.appendChild(
        el('p', 'jp-nbrepro-Panel-empty', trans.__('No cell has run yet.'))
      );
      return;
    }
    if (groups.size > 1) {
      this.node.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-mixed',
          trans.__(
            'The outputs of this notebook come from %1 different environments.',
            groups.size
          )
        )
      );
    }
    const kernel = capture.kernelEnvironment;
    const ids = [
      ...(record.current ? [record.current] : []),
      ...[...groups.keys()].filter(id => id !== record.current)
    ];
    if (kernel && !ids.includes(kernel)) {
      ids.push(kernel);
    }
    const names = snapshotNames(record, ids, kernel, trans);
    const list = el('ul', 'jp-nbrepro-Panel-history');
    for (const [id, cells] of groups) {
      const tags: string[] = [];
      if (id === record.current) {
        tags.push(trans.__('the one the notebook vouches for'));
      }
      if (id === kernel) {
        tags.push(trans.__('this kernel’s'));
      }
      const name = names.get(id) ?? trans.__('an environment not recorded');
      const label = tags.length ? `${name} (${tags.join(', ')})` : name;
      const item = el('li', undefined, `${cellRange(cells, trans)}: ${label}`);
      item.title = trans.__('Snapshot %1', id);
      item.dataset.snapshot = id;
      list.appendChild(item);
    }
    this.node.appendChild(list);
    // A %pip install without a restart: the environment named above is not
    // all the kernel ran.
    const stale = staleLines(runs, trans);
    if (stale.length > 0) {
      const warnings = el('ul', 'jp-nbrepro-Panel-stale');
      for (const [cells, text] of stale) {
        warnings.appendChild(el('li', undefined, `${cells} ${text}`));
      }
      this.node.appendChild(warnings);
    }
  }
}
