import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';
import { describeHeader } from '../vocabulary';
import { el } from './dom';
import { DriftPanel } from './driftpanel';
import { EnvironmentPanel } from './environmentpanel';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<g class="jp-icon3" fill="#616161">' +
  '<path d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3zm0 2.2 6 2.2V11c0 4-2.6 7.8-6 8.9-3.4-1.1-6-4.9-6-8.9V6.4l6-2.2z"/>' +
  '<path d="m10.6 15.4-3.3-3.3 1.4-1.4 1.9 1.9 4.7-4.7 1.4 1.4z"/>' +
  '</g></svg>';

export const nbreproIcon = new LabIcon({
  name: 'nbrepro:shield',
  svgstr: ICON_SVG
});

/**
 * The right sidebar: nbrepro's view of the active notebook. A header with
 * the state in words, the environment, the drift, the cells by environment
 * and the export button. It follows the notebook the user works in.
 */
export class ReproSidebar extends Panel {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _exportNow: () => void
  ) {
    super();
    this.id = 'nbrepro-sidebar';
    this.addClass('jp-nbrepro-Sidebar');
    this.title.icon = nbreproIcon;
    this.title.caption = _trans.__('Reproducibility (nbrepro)');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', _trans.__('Reproducibility'));
    this._header = new Widget();
    this._header.addClass('jp-nbrepro-Sidebar-header');
    this.addWidget(this._header);
    this.showNotebook(null, null);
  }

  get notebook(): NotebookPanel | null {
    return this._notebook;
  }

  /**
   * Show `notebook` (null: no notebook is active).
   */
  showNotebook(
    notebook: NotebookPanel | null,
    capture: NotebookCapture | null
  ): void {
    if (notebook === this._notebook && capture === this._capture) {
      this._renderHeader();
      return;
    }
    this._capture?.stateChanged.disconnect(this._renderHeader, this);
    this._notebook?.disposed.disconnect(this._onDisposed, this);
    for (const child of this._children) {
      child.dispose();
    }
    this._children = [];
    this._notebook = notebook;
    this._capture = capture;
    if (notebook && capture) {
      capture.stateChanged.connect(this._renderHeader, this);
      notebook.disposed.connect(this._onDisposed, this);
      // Environment (what it ran on), Drift, then the long parts: cells by
      // environment, the packages, the raw record.
      this._children = [
        new EnvironmentPanel(capture, this._trans, 'summary'),
        new DriftPanel(capture, this._trans, notebook.title.label),
        new EnvironmentPanel(capture, this._trans, 'details')
      ];
      for (const child of this._children) {
        this.addWidget(child);
      }
    }
    this._renderHeader();
  }

  /**
   * Scroll a section into view ('environment' or 'drift').
   */
  reveal(section: 'environment' | 'drift'): void {
    const target = section === 'drift' ? this._children[1] : this._children[0];
    target?.node.scrollIntoView({ block: 'start' });
  }

  private _onDisposed(): void {
    this.showNotebook(null, null);
  }

  private _renderHeader(): void {
    const trans = this._trans;
    const node = this._header.node;
    node.textContent = '';
    const recorded = this._capture?.isRecorded ?? false;
    const words = describeHeader(this._capture?.state ?? null, recorded, trans);
    node.dataset.state = words.state;
    const title = el(
      'h2',
      'jp-nbrepro-Sidebar-notebook',
      this._notebook?.title.label ?? trans.__('Reproducibility')
    );
    title.title = this._notebook?.context.path ?? '';
    node.appendChild(title);
    const state = el('p', 'jp-nbrepro-Sidebar-state', words.text);
    node.appendChild(state);
    if (words.detail) {
      node.appendChild(el('p', 'jp-nbrepro-Sidebar-detail', words.detail));
    }
    if (this._notebook) {
      const exportButton = el(
        'button',
        'jp-mod-styled jp-mod-accept jp-nbrepro-Sidebar-export',
        trans.__('Export…')
      );
      exportButton.title = trans.__(
        'Export a bundle that runs this notebook again elsewhere'
      );
      const python = this._capture?.state.kind !== 'unsupported';
      (exportButton as HTMLButtonElement).disabled = !python;
      exportButton.addEventListener('click', () => this._exportNow());
      node.appendChild(exportButton);
    }
  }

  private _header: Widget;
  private _children: Widget[] = [];
  private _notebook: NotebookPanel | null = null;
  private _capture: NotebookCapture | null = null;
}
