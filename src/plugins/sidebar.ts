import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import {
  CommandIDs,
  INbrepro,
  IReproPanel,
  IVerifier,
  PanelSection
} from '../tokens';
import { acceptWithConfirmation } from '../ui/accept';
import { ReproSidebar } from '../ui/sidebar';
import { VerifyPanel } from '../ui/verifypanel';
import { showVerifiedCell } from './verify';

/**
 * The panel in the right sidebar (JupyterLab and Notebook 7): it shows the
 * active notebook.
 */
export const sidebarPlugin: JupyterFrontEndPlugin<IReproPanel> = {
  id: 'nbrepro:sidebar',
  description: 'The reproducibility panel of the active notebook.',
  autoStart: true,
  requires: [INbrepro, INotebookTracker],
  optional: [ITranslator, IVerifier],
  provides: IReproPanel,
  activate: (
    app: JupyterFrontEnd,
    core: INbrepro,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    verifier: IVerifier | null
  ): IReproPanel => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const sidebar = new ReproSidebar(trans, {
      exportNow: () => void app.commands.execute(CommandIDs.exportBundle),
      serverEnvironment: () => core.serverEnvironment(),
      accept: capture => void acceptWithConfirmation(capture, trans)
    });
    if (verifier) {
      sidebar.verifySection = notebook =>
        new VerifyPanel(verifier.of(notebook), trans, cell =>
          showVerifiedCell(notebook, cell, trans)
        );
    }
    app.shell.add(sidebar, 'right', { rank: 650 });
    const follow = () => {
      const notebook = tracker.currentWidget;
      sidebar.showNotebook(notebook, core.captureOf(notebook));
    };
    tracker.currentChanged.connect(follow, sidebar);
    core.captureAdded.connect((_, capture) => {
      if (tracker.currentWidget === capture.panel) {
        follow();
      }
    }, sidebar);

    return new Panel(app, core, tracker, sidebar, follow);
  }
};

/**
 * The panel as the other plugins see it.
 */
class Panel implements IReproPanel {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _core: INbrepro,
    private readonly _tracker: INotebookTracker,
    private readonly _sidebar: ReproSidebar,
    private readonly _follow: () => void
  ) {}

  get opened(): ISignal<IReproPanel, NotebookPanel> {
    return this._opened;
  }

  async open(
    notebook: NotebookPanel | null,
    section: PanelSection | null
  ): Promise<void> {
    const { _app: app, _tracker: tracker, _sidebar: sidebar } = this;
    if (notebook && tracker.currentWidget !== notebook) {
      app.shell.activateById(notebook.id);
    }
    this._follow();
    app.shell.activateById(sidebar.id);
    // Focus into the panel, at the section asked for, once the shell has
    // shown it (activation alone leaves the focus where the command ran).
    await new Promise(resolve => requestAnimationFrame(resolve));
    sidebar.reveal(section);
    if (tracker.currentWidget) {
      this._opened.emit(tracker.currentWidget);
    }
  }

  isShowing(notebook: NotebookPanel): boolean {
    return this._sidebar.isVisible && this._sidebar.notebook === notebook;
  }

  openFromIndicator(): void {
    const { _app: app, _core: core, _tracker: tracker } = this;
    const state = core.captureOf(tracker.currentWidget)?.state;
    if (core.server.kind !== 'ok' || !state) {
      void app.commands.execute(CommandIDs.showStatus);
      return;
    }
    const drift =
      state.kind === 'recorded' &&
      ['high', 'medium', 'low'].includes(state.drift);
    void this.open(tracker.currentWidget, drift ? 'drift' : null);
  }

  private _opened = new Signal<IReproPanel, NotebookPanel>(this);
}
