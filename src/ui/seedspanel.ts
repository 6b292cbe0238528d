import { TranslationBundle } from '@jupyterlab/translation';

import { NotebookCapture } from '../capture/controller';
import { determinismLines, numberedRuns, seedingLines } from '../vocabulary';
import { captionedTable, el, headerCell, wrapping } from './dom';
import { Section } from './section';

/**
 * Seeds and determinism in words: each seeding cell on its own line, the
 * cells that seed nothing grouped in one ("cells 1, 3–50: no seeding"), the
 * determinism settings once. Cells numbered as the notebook shows them.
 */
export class SeedsSection extends Section {
  constructor(trans: TranslationBundle) {
    super(trans, 'seeds', trans.__('Seeds and determinism'));
  }

  protected render(capture: NotebookCapture): void {
    const trans = this.trans;
    const runs = numberedRuns(capture.record!, capture.cells());
    const seeding = seedingLines(runs, trans);
    if (seeding.length === 0) {
      this.node.appendChild(
        el('p', 'jp-nbrepro-Panel-empty', trans.__('No cell has run yet.'))
      );
      return;
    }
    const table = captionedTable(
      'jp-nbrepro-Panel-table jp-nbrepro-Panel-seeds',
      trans.__('Seeding, cell by cell'),
      []
    );
    const head = el('tr');
    head.appendChild(headerCell(trans.__('Cells')));
    head.appendChild(headerCell(trans.__('Seeding')));
    table.appendChild(head);
    for (const [cells, text] of seeding) {
      const row = el('tr');
      row.appendChild(el('td', 'jp-nbrepro-Panel-cells', cells));
      row.appendChild(wrapping(text, 'jp-nbrepro-Panel-seeding'));
      table.appendChild(row);
    }
    this.node.appendChild(table);
    const settings = determinismLines(runs, trans);
    if (settings.length > 0) {
      this.node.appendChild(
        el('h4', undefined, trans.__('Determinism settings'))
      );
      const list = el('ul', 'jp-nbrepro-Panel-determinism');
      for (const [cells, text] of settings) {
        list.appendChild(
          el('li', undefined, cells ? `${cells}: ${text}` : text)
        );
      }
      this.node.appendChild(list);
    }
  }
}
