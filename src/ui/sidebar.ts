import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';
import { PanelSection } from '../tokens';
import { describeHeader } from '../vocabulary';
import { CellsSection } from './cellspanel';
import { el } from './dom';
import { DriftSection, IDriftSectionOptions } from './driftpanel';
import { EnvironmentSection, PackagesSection } from './environmentpanel';
import { nbreproIcon } from './icon';
import { Section } from './section';
import { SeedsSection } from './seedspanel';

export { nbreproIcon };

/**
 * What the panel needs from the plugins.
 */
export interface ISidebarOptions extends IDriftSectionOptions {
  exportNow: () => void;
}

/**
 * A section that folds under its title, in the look of JupyterLab's own
 * collapsible sections (the Property Inspector's): the title is a button
 * (Enter or Space folds it, aria-expanded says how it is).
 */
export class Fold extends Panel {
  constructor(
    readonly section: Widget,
    collapsed: boolean
  ) {
    super();
    this.addClass('jp-nbrepro-Fold');
    this.addClass('jp-Collapse');
    const header = new Widget({ node: document.createElement('button') });
    header.addClass('jp-Collapse-header');
    header.addClass('jp-nbrepro-Fold-header');
    header.node.setAttribute('type', 'button');
    header.node.setAttribute('aria-controls', section.id);
    header.node.appendChild(
      caretDownIcon.element({ className: 'jp-Collapser-icon' })
    );
    const label = document.createElement('span');
    label.className = 'jp-Collapser-title';
    label.textContent = section.title.label;
    header.node.appendChild(label);
    header.node.addEventListener('click', () => this.toggle());
    this._header = header;
    this.addWidget(header);
    this.addWidget(section);
    this.collapsed = collapsed;
  }

  /** The title button (what the keyboard lands on). */
  get button(): HTMLElement {
    return this._header.node;
  }

  get collapsed(): boolean {
    return this.section.isHidden;
  }

  set collapsed(value: boolean) {
    this.section.setHidden(value);
    this._header.toggleClass('jp-Collapse-header-collapsed', value);
    this._header.node.setAttribute('aria-expanded', String(!value));
  }

  toggle(): void {
    this.collapsed = !this.collapsed;
  }

  private _header: Widget;
}

/**
 * The right sidebar: nbrepro's view of the active notebook. A header with
 * the notebook, its state in words and Export; then sections that fold, in
 * JupyterLab's sidebar style: Environment, Drift, Seeds and determinism,
 * Cells by environment, Packages, in one scroll. It follows the notebook the
 * user works in and its renames; a state change is announced politely to
 * screen readers.
 */
export class ReproSidebar extends Panel {
  constructor(
    private readonly _words: TranslationBundle,
    private readonly _options: ISidebarOptions
  ) {
    super();
    this.id = 'nbrepro-sidebar';
    this.addClass('jp-nbrepro-Sidebar');
    this.title.icon = nbreproIcon;
    this.title.caption = _words.__('Reproducibility (nbrepro)');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', _words.__('Reproducibility'));
    this._top = new Widget();
    this._top.addClass('jp-nbrepro-Sidebar-header');
    this.addWidget(this._top);
    this._live = el('div', 'jp-nbrepro-sr-only');
    this._live.setAttribute('role', 'status');
    this._live.setAttribute('aria-live', 'polite');
    this.node.appendChild(this._live);
    this._sections = {
      environment: new EnvironmentSection(_words),
      drift: new DriftSection(_words, _options),
      seeds: new SeedsSection(_words),
      cells: new CellsSection(_words),
      packages: new PackagesSection(_words)
    };
    // Verify (the notebook's own re-run, when the verify plugin is there)
    // comes after the drift; it holds one notebook's Verify widget at a time.
    this._verifyHolder = new Panel();
    this._verifyHolder.id = 'nbrepro-section-verify';
    this._verifyHolder.addClass('jp-nbrepro-Section-verify');
    this._verifyHolder.title.label = _words.__('Verify');
    // The long lists start folded; the sections that answer "can I trust
    // these outputs?" open.
    for (const [name, section] of Object.entries(this._sections)) {
      const fold = new Fold(section, name === 'cells' || name === 'packages');
      this._folds.set(section, fold);
      this.addWidget(fold);
      if (name === 'drift') {
        const verify = new Fold(this._verifyHolder, false);
        this._folds.set(this._verifyHolder, verify);
        this.addWidget(verify);
        verify.hide();
      }
    }
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
    if (notebook !== this._notebook || capture !== this._capture) {
      this._capture?.stateChanged.disconnect(this._renderHeader, this);
      this._capture?.recordChanged.disconnect(this._renderHeader, this);
      this._notebook?.disposed.disconnect(this._onDisposed, this);
      this._notebook?.title.changed.disconnect(this._renderHeader, this);
      this._notebook = notebook;
      this._capture = notebook ? capture : null;
      if (notebook && capture) {
        capture.stateChanged.connect(this._renderHeader, this);
        capture.recordChanged.connect(this._renderHeader, this);
        notebook.disposed.connect(this._onDisposed, this);
        // A rename: the header follows.
        notebook.title.changed.connect(this._renderHeader, this);
      }
      for (const section of Object.values(this._sections)) {
        section.showCapture(this._capture);
      }
      this._showVerify(notebook && capture ? notebook : null);
    }
    this._renderHeader();
  }

  /**
   * Open `section` (unfold it), scroll it into view and move the keyboard
   * focus there; null: the header, which names the notebook and its state.
   */
  reveal(section: PanelSection | null): void {
    const widget =
      section === 'verify'
        ? this._verifyHolder
        : section
          ? this._sections[section]
          : null;
    const fold = widget ? this._folds.get(widget) : null;
    if (fold?.isHidden) {
      return;
    }
    if (fold) {
      fold.collapsed = false;
      fold.button.scrollIntoView({ block: 'start' });
      fold.button.focus();
      return;
    }
    this._top.node.querySelector<HTMLElement>('h2')?.focus();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    // Opened from a command, the status item or the toolbar: the keyboard
    // is in the panel, on the notebook's name and state.
    if (!this.node.contains(document.activeElement)) {
      this.reveal(null);
    }
  }

  /**
   * The Verify section of a notebook (plugins/sidebar.ts sets it from the
   * verify plugin), shown after the drift.
   */
  verifySection: ((notebook: NotebookPanel) => Widget | null) | null = null;

  private _showVerify(notebook: NotebookPanel | null): void {
    this._verify?.dispose();
    this._verify = notebook ? (this.verifySection?.(notebook) ?? null) : null;
    if (this._verify) {
      this._verifyHolder.addWidget(this._verify);
    }
    this._folds.get(this._verifyHolder)?.setHidden(this._verify === null);
  }

  private _onDisposed(): void {
    this.showNotebook(null, null);
  }

  private _renderHeader(): void {
    const trans = this._words;
    const node = this._top.node;
    node.textContent = '';
    const capture = this._capture;
    const facts = capture?.headerFacts() ?? {
      loaded: true,
      olderOutputs: false
    };
    const loaded = facts.loaded;
    const words = describeHeader(
      capture?.state ?? null,
      capture?.isRecorded ?? false,
      trans,
      facts
    );
    node.dataset.state = words.state;
    const title = el(
      'h2',
      'jp-nbrepro-Sidebar-notebook',
      this._notebook?.title.label ?? trans.__('Reproducibility')
    );
    title.title = this._notebook?.context.path ?? '';
    title.tabIndex = -1;
    node.appendChild(title);
    node.appendChild(el('p', 'jp-nbrepro-Sidebar-state', words.text));
    if (words.detail) {
      node.appendChild(el('p', 'jp-nbrepro-Sidebar-detail', words.detail));
    }
    if (this._notebook) {
      const exportButton = el(
        'button',
        'jp-mod-styled jp-mod-accept jp-nbrepro-Sidebar-export',
        trans.__('Export…')
      ) as HTMLButtonElement;
      exportButton.title = trans.__(
        'Export a bundle that runs this notebook again elsewhere'
      );
      exportButton.disabled = capture?.state.kind === 'unsupported' || !loaded;
      exportButton.addEventListener('click', () => this._options.exportNow());
      node.appendChild(exportButton);
    }
    // Said once per change of the state, not on every render.
    const announced = `${this._notebook?.title.label ?? ''}: ${words.text}`;
    if (announced !== this._announced) {
      this._announced = announced;
      this._live.textContent = announced;
    }
  }

  private _top: Widget;
  private _live: HTMLElement;
  private _sections: {
    [
      name in Exclude<PanelSection, 'verify'> | 'seeds' | 'cells' | 'packages'
    ]: Section;
  };
  private _verifyHolder: Panel;
  private _verify: Widget | null = null;
  private _notebook: NotebookPanel | null = null;
  private _capture: NotebookCapture | null = null;
  private _announced = '';
  private _folds = new Map<Widget, Fold>();
}
