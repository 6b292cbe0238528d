import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Cell, ICodeCellModel } from '@jupyterlab/cells';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IVerifyCell } from '../server/verify';
import { NotebookVerify } from '../verify/controller';
import {
  cellName,
  describeVerifyCell,
  describeWhere,
  verifyStatusWord
} from '../vocabulary';
import { el } from './dom';

const MARK = 'jp-nbrepro-VerifyMark';
const MARKED = 'jp-nbrepro-hasVerifyMark';

/**
 * The index in the notebook of the cell a verify result is about: by id, or
 * by position for cells without ids; -1 when it is gone.
 */
export function cellIndex(model: INotebookModel, cell: IVerifyCell): number {
  for (let i = 0; i < model.cells.length; i++) {
    const candidate = model.cells.get(i);
    if (cell.id !== null ? candidate.id === cell.id : i === cell.cell - 1) {
      return i;
    }
  }
  return -1;
}

/**
 * A verified cell as the notebook shows it ("cell [3]", "code cell 4").
 */
export function codeCellName(
  model: INotebookModel,
  cell: IVerifyCell,
  trans: TranslationBundle
): string {
  const index = cellIndex(model, cell);
  if (index < 0) {
    return trans.__('a cell removed since');
  }
  let code = 0;
  for (let i = 0; i < index; i++) {
    code += model.cells.get(i).type === 'code' ? 1 : 0;
  }
  const found = model.cells.get(index);
  const count =
    found.type === 'code'
      ? ((found as ICodeCellModel).executionCount ?? null)
      : null;
  return cellName(code, count, trans);
}

/**
 * The marks beside each verified cell of one notebook: the verdict in a
 * word; a click shows the difference. They are part of the page, not of
 * the notebook: nothing is written to its model.
 */
export class CellMarks {
  constructor(
    private readonly _verify: NotebookVerify,
    private readonly _trans: TranslationBundle
  ) {
    _verify.changed.connect(this.render, this);
    _verify.panel.content.model?.cells.changed.connect(this._later, this);
    this.render();
  }

  render(): void {
    const panel = this._verify.panel;
    const finished = this._verify.state.kind === 'finished';
    if (panel.isDisposed || (!finished && !this._shown)) {
      // Nothing shown and nothing to show (a run's progress changes no mark).
      return;
    }
    this._shown = finished;
    for (const old of Array.from(
      panel.content.node.querySelectorAll(`.${MARK}`)
    )) {
      old.remove();
    }
    for (const cell of panel.content.widgets) {
      cell.removeClass(MARKED);
      const index = panel.content.widgets.indexOf(cell);
      const result = this._verify.resultFor(cell.model.id, index);
      if (result) {
        this._mark(cell, result);
      }
    }
  }

  private _shown = false;

  private _later(): void {
    // New cell widgets are made after the model changed.
    window.requestAnimationFrame(() => this.render());
  }

  private _mark(cell: Cell, result: IVerifyCell): void {
    const trans = this._trans;
    const host = cell.node.querySelector('.jp-Cell-inputWrapper') ?? cell.node;
    const word = verifyStatusWord(result.status, trans);
    const mark = el('button', MARK);
    mark.setAttribute('type', 'button');
    mark.dataset.status = result.status;
    mark.appendChild(el('span', `${MARK}-icon`, ICONS[result.status]));
    mark.appendChild(el('span', `${MARK}-word`, word));
    mark.title = trans.__('Verify: %1. Click for the details.', word);
    mark.setAttribute('aria-label', trans.__('Verify: %1, details', word));
    mark.addEventListener('click', event => {
      event.stopPropagation();
      void showVerifyDetails(this._verify.panel, result, trans);
    });
    cell.addClass(MARKED);
    host.appendChild(mark);
  }
}

const ICONS: { [status: string]: string } = {
  same: '✓',
  different: '≠',
  error: '!',
  'not recorded': '–',
  'not run': '–'
};

/**
 * A cell's verify result in a dialog: the difference, the likely causes,
 * the notes, and an image that differs side by side with its recording.
 */
export async function showVerifyDetails(
  panel: NotebookPanel,
  result: IVerifyCell,
  trans: TranslationBundle
): Promise<void> {
  const model = panel.content.model;
  const name = model ? codeCellName(model, result, trans) : String(result.cell);
  const body = new Widget();
  body.addClass('jp-nbrepro-VerifyDetails');
  const node = body.node;
  node.appendChild(el('p', undefined, describeVerifyCell(result, trans)));
  const difference = result.difference;
  if (result.images) {
    node.appendChild(imagesSideBySide(result.images, trans));
  } else if (difference) {
    const table = el('dl', 'jp-nbrepro-VerifyDetails-texts');
    table.appendChild(el('dt', undefined, trans.__('Where')));
    table.appendChild(
      el('dd', undefined, describeWhere(difference.where, trans))
    );
    for (const [label, text] of [
      [trans.__('Recorded'), difference.recorded],
      [trans.__('Now'), difference.now]
    ]) {
      table.appendChild(el('dt', undefined, label));
      const value = el('dd');
      value.appendChild(el('pre', undefined, text));
      table.appendChild(value);
    }
    node.appendChild(table);
  }
  if (difference?.detail) {
    node.appendChild(
      el('p', 'jp-nbrepro-VerifyDetails-detail', difference.detail)
    );
  }
  if (result.causes.length > 0) {
    node.appendChild(el('h4', undefined, trans.__('Likely causes')));
    const list = el('ul');
    for (const cause of result.causes) {
      list.appendChild(el('li', undefined, cause));
    }
    node.appendChild(list);
  }
  const notes = result.status === 'error' ? [] : result.notes;
  for (const note of notes) {
    node.appendChild(el('p', 'jp-nbrepro-Panel-id', note));
  }
  await showDialog({
    title: trans.__(
      'Verify: %1 — %2',
      name,
      verifyStatusWord(result.status, trans)
    ),
    body,
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

function imagesSideBySide(
  images: NonNullable<IVerifyCell['images']>,
  trans: TranslationBundle
): HTMLElement {
  const row = el('div', 'jp-nbrepro-VerifyDetails-images');
  for (const [label, data] of [
    [trans.__('Recorded'), images.recorded],
    [trans.__('Now'), images.now]
  ]) {
    const figure = el('figure');
    const image = document.createElement('img');
    // Base64 of a PNG or JPEG only (server/verify.ts checks both).
    image.src = `data:${images.mimetype};base64,${data}`;
    image.alt = trans.__('%1 image', label);
    figure.appendChild(image);
    figure.appendChild(el('figcaption', undefined, label));
    row.appendChild(figure);
  }
  return row;
}
