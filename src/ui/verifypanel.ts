import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IVerifyCell } from '../server/verify';
import { NotebookVerify, VerifyState } from '../verify/controller';
import {
  describeVerifyCell,
  verifyEnding,
  verifyProgress,
  verifyStatusWord,
  verifySummary
} from '../vocabulary';
import { codeCellName } from './cellmarks';
import { el } from './dom';

/**
 * The panel's Verify section: a button that re-runs the saved notebook in a
 * fresh kernel on the server, the progress with Cancel, then each code
 * cell's verdict (a click shows the cell and its difference).
 */
export class VerifyPanel extends Widget {
  constructor(
    private readonly _verify: NotebookVerify,
    private readonly _trans: TranslationBundle,
    private readonly _showCell: (cell: IVerifyCell) => void
  ) {
    super();
    this.addClass('jp-nbrepro-Panel');
    this.addClass('jp-nbrepro-VerifyPanel');
    _verify.changed.connect(this.render, this);
    this.render();
  }

  render(): void {
    const trans = this._trans;
    const state = this._verify.state;
    this.node.textContent = '';
    this.node.dataset.state = stateName(state);
    this.node.appendChild(el('h3', undefined, trans.__('Verify')));
    const live = el('div', 'jp-nbrepro-VerifyPanel-status');
    live.setAttribute('role', 'status');
    live.setAttribute('aria-live', 'polite');
    this.node.appendChild(live);
    switch (state.kind) {
      case 'idle':
        live.appendChild(
          el(
            'p',
            'jp-nbrepro-Panel-empty',
            trans.__(
              'Re-run the notebook as saved in a fresh kernel on the server and compare each cell with its recorded outputs. Your kernel and the file are left as they are.'
            )
          )
        );
        this.node.appendChild(this._startButton(trans.__('Verify')));
        return;
      case 'starting':
      case 'running':
        this._progress(live, state);
        return;
      case 'refused':
        live.appendChild(
          el(
            'p',
            'jp-nbrepro-Panel-problem',
            trans.__('Verify could not start: %1', state.message)
          )
        );
        this.node.appendChild(this._startButton(trans.__('Verify again')));
        return;
      case 'finished':
        this._finished(live, state);
    }
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._verify.changed.disconnect(this.render, this);
    }
    super.dispose();
  }

  private _progress(
    live: HTMLElement,
    state: Extract<VerifyState, { kind: 'starting' | 'running' }>
  ): void {
    const trans = this._trans;
    const job = state.kind === 'running' ? state.job : null;
    const text = !job
      ? trans.__('Starting…')
      : state.kind === 'running' && state.cancelling
        ? trans.__('Cancelling: shutting the kernel down…')
        : verifyProgress(job, trans);
    live.appendChild(el('p', 'jp-nbrepro-VerifyPanel-progress', text));
    const bar = el(
      'progress',
      'jp-nbrepro-VerifyPanel-bar'
    ) as HTMLProgressElement;
    bar.max = Math.max(1, job ? job.total || job.cells.length : 1);
    bar.value = job ? job.done : 0;
    bar.setAttribute('aria-label', trans.__('Cells re-run'));
    this.node.appendChild(bar);
    if (this._verify.unsaved) {
      this.node.appendChild(this._unsavedNote());
    }
    const cancel = el(
      'button',
      'jp-mod-styled jp-mod-reject jp-nbrepro-VerifyPanel-cancel',
      trans.__('Cancel verify')
    ) as HTMLButtonElement;
    cancel.disabled = !job || (state.kind === 'running' && state.cancelling);
    cancel.addEventListener('click', () => void this._verify.cancel());
    this.node.appendChild(cancel);
  }

  private _finished(
    live: HTMLElement,
    state: Extract<VerifyState, { kind: 'finished' }>
  ): void {
    const trans = this._trans;
    const { job } = state;
    const report = job.report;
    if (!report) {
      live.appendChild(
        el('p', 'jp-nbrepro-Panel-problem', verifyEnding(job, trans))
      );
      this.node.appendChild(this._startButton(trans.__('Verify again')));
      return;
    }
    live.appendChild(
      el('p', 'jp-nbrepro-VerifyPanel-summary', verifySummary(report, trans))
    );
    if (report.failure) {
      this.node.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-problem',
          trans.__('The re-run stopped: %1', report.failure)
        )
      );
    }
    if (this._verify.unsaved) {
      this.node.appendChild(this._unsavedNote());
    }
    this.node.appendChild(this._list(report.cells));
    for (const warning of report.warnings) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', warning));
    }
    const actions = el('div', 'jp-nbrepro-VerifyPanel-actions');
    actions.appendChild(this._startButton(trans.__('Verify again')));
    const clear = el(
      'button',
      'jp-mod-styled jp-nbrepro-VerifyPanel-clear',
      trans.__('Clear verify marks')
    );
    clear.addEventListener('click', () => this._verify.clear());
    actions.appendChild(clear);
    this.node.appendChild(actions);
  }

  private _list(cells: IVerifyCell[]): HTMLElement {
    const trans = this._trans;
    const list = el('ul', 'jp-nbrepro-VerifyPanel-cells');
    list.setAttribute('aria-label', trans.__('Each code cell re-run'));
    const model = this._verify.panel.content.model;
    for (const cell of cells) {
      const item = el('li', 'jp-nbrepro-VerifyPanel-cell');
      item.dataset.status = cell.status;
      const button = el('button', 'jp-nbrepro-VerifyPanel-cellButton');
      button.setAttribute('type', 'button');
      const name = model ? codeCellName(model, cell, trans) : String(cell.cell);
      button.appendChild(el('span', 'jp-nbrepro-VerifyPanel-name', name));
      button.appendChild(
        el(
          'span',
          'jp-nbrepro-VerifyPanel-verdict',
          verifyStatusWord(cell.status, trans)
        )
      );
      button.title = trans.__('Show %1 in the notebook', name);
      button.addEventListener('click', () => this._showCell(cell));
      item.appendChild(button);
      if (cell.status !== 'same') {
        item.appendChild(
          el(
            'p',
            'jp-nbrepro-VerifyPanel-detail',
            describeVerifyCell(cell, trans)
          )
        );
      }
      list.appendChild(item);
    }
    return list;
  }

  private _unsavedNote(): HTMLElement {
    return el(
      'p',
      'jp-nbrepro-Panel-mixed',
      this._trans.__(
        'The notebook had unsaved changes: verify re-ran the file as last saved, without them.'
      )
    );
  }

  private _startButton(label: string): HTMLElement {
    const button = el(
      'button',
      'jp-mod-styled jp-mod-accept jp-nbrepro-VerifyPanel-start',
      label
    );
    button.title = this._trans.__(
      'Re-run the saved notebook in a fresh kernel on the server and compare each cell with its recording'
    );
    button.addEventListener('click', () => void this._verify.start());
    return button;
  }
}

function stateName(state: VerifyState): string {
  return state.kind === 'finished' ? state.job.state : state.kind;
}
