import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ServerState } from '../server/api';
import { CaptureState } from '../tokens';
import { describeStatus } from '../vocabulary';

/**
 * The status bar item of the active notebook. It renders text only: nothing
 * that comes from a server or a notebook is ever parsed as HTML.
 */
export class StatusItem extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    onClick: () => void
  ) {
    super();
    this.addClass('jp-nbrepro-Status');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this._label = document.createElement('span');
    this._label.className = 'jp-nbrepro-Status-label';
    this.node.appendChild(this._label);
    this.node.addEventListener('click', onClick);
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onClick();
      }
    });
    this._render();
  }

  /**
   * The state shown now.
   */
  get state(): ServerState {
    return this._state;
  }

  setState(state: ServerState): void {
    this._state = state;
    this._render();
  }

  /**
   * The capture state of the active notebook, or null when there is none.
   */
  get capture(): CaptureState | null {
    return this._capture;
  }

  /**
   * ``recorded``: whether the notebook holds a recording (until a cell runs,
   * the kernel's environment is only held in memory).
   */
  setCapture(capture: CaptureState | null, recorded = false): void {
    this._capture = capture;
    this._recorded = capture !== null && recorded;
    this._render();
  }

  private _render(): void {
    const text = describeStatus(
      this._state,
      this._capture,
      this._recorded,
      this._trans
    );
    this._label.textContent = text.label;
    this.node.title = text.click ? text.title + ' ' + text.click : text.title;
    this.node.dataset.state = this._state.kind;
    this.node.dataset.capture = this._capture?.kind ?? 'none';
    this.node.dataset.drift =
      this._capture?.kind === 'recorded' ? this._capture.drift : 'none';
    this.node.dataset.level = text.level;
  }

  private _label: HTMLSpanElement;
  private _state: ServerState = { kind: 'checking' };
  private _capture: CaptureState | null = null;
  private _recorded = false;
}
