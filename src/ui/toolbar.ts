import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';
import { describeHeader } from '../vocabulary';

/**
 * nbrepro's indicator in a notebook's toolbar: the state in a word or two;
 * a click opens the panel. Notebook 7 has no status bar, so this is its
 * indicator; in JupyterLab it says which notebook it is about.
 */
export class ToolbarIndicator extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _capture: NotebookCapture,
    onClick: () => void
  ) {
    super({ node: document.createElement('button') });
    this.addClass('jp-nbrepro-ToolbarItem');
    this.addClass('jp-ToolbarButtonComponent');
    this.node.setAttribute('type', 'button');
    this._label = document.createElement('span');
    this._label.className = 'jp-nbrepro-ToolbarItem-label';
    this.node.appendChild(this._label);
    this.node.addEventListener('click', onClick);
    _capture.stateChanged.connect(this._render, this);
    this._render();
  }

  setVisible(visible: boolean): void {
    this.setHidden(!visible);
  }

  private _render(): void {
    if (this.isDisposed) {
      return;
    }
    const words = describeHeader(
      this._capture.state,
      this._capture.isRecorded,
      this._trans
    );
    this._label.textContent = words.text;
    this.node.dataset.state = words.state;
    this.node.title = this._trans.__(
      'nbrepro: %1. %2 Click to open the reproducibility panel.',
      words.text,
      words.detail
    );
  }

  private _label: HTMLSpanElement;
}
