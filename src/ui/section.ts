import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';

/**
 * One collapsible section of the panel (a title in JupyterLab's sidebar
 * accordion, as the Debugger's): it shows the active notebook's capture and
 * renders again, at most every 100 ms, when the capture's record, state or
 * drift change. Content is always set as text, never parsed as HTML.
 */
export abstract class Section extends Widget {
  constructor(
    protected readonly trans: TranslationBundle,
    id: string,
    label: string
  ) {
    super();
    this.id = `nbrepro-section-${id}`;
    this.addClass('jp-nbrepro-Panel');
    this.addClass(`jp-nbrepro-Section-${id}`);
    this.title.label = label;
    this.title.caption = label;
  }

  /**
   * The notebook shown, or null.
   */
  get capture(): NotebookCapture | null {
    return this._capture;
  }

  /**
   * Show `capture`'s notebook (null: none).
   */
  showCapture(capture: NotebookCapture | null): void {
    if (capture !== this._capture) {
      this._disconnect();
      this._capture = capture;
      if (capture) {
        capture.recordChanged.connect(this.schedule, this);
        capture.stateChanged.connect(this.schedule, this);
        capture.driftChanged.connect(this.schedule, this);
      }
    }
    this.renderNow();
  }

  /**
   * Render soon (coalesced).
   */
  schedule(): void {
    if (this._timer === null) {
      this._timer = window.setTimeout(() => {
        this._timer = null;
        this.renderNow();
      }, 100);
    }
  }

  renderNow(): void {
    if (this.isDisposed) {
      return;
    }
    const capture = this._capture;
    this.node.textContent = '';
    if (!capture || !capture.isLoaded || !capture.panel.content.model) {
      return;
    }
    this.render(capture);
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._disconnect();
      if (this._timer !== null) {
        window.clearTimeout(this._timer);
      }
    }
    super.dispose();
  }

  /**
   * Fill the (emptied) node from the capture.
   */
  protected abstract render(capture: NotebookCapture): void;

  private _disconnect(): void {
    const capture = this._capture;
    if (capture && !capture.isDisposed) {
      capture.recordChanged.disconnect(this.schedule, this);
      capture.stateChanged.disconnect(this.schedule, this);
      capture.driftChanged.disconnect(this.schedule, this);
    }
  }

  private _capture: NotebookCapture | null = null;
  private _timer: number | null = null;
}
