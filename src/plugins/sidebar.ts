import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs, INbrepro, IReproPanel, PanelSection } from '../tokens';
import { ReproSidebar } from '../ui/sidebar';

/**
 * The panel in the right sidebar (JupyterLab and Notebook 7): it shows the
 * active notebook.
 */
export const sidebarPlugin: JupyterFrontEndPlugin<IReproPanel> = {
  id: 'nbrepro:sidebar',
  description: 'The reproducibility panel of the active notebook.',
  autoStart: true,
  requires: [INbrepro, INotebookTracker],
  optional: [ITranslator],
  provides: IReproPanel,
  activate: (
    app: JupyterFrontEnd,
    core: INbrepro,
    tracker: INotebookTracker,
    translator: ITranslator | null
  ): IReproPanel => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const sidebar = new ReproSidebar(trans, () => {
      void app.commands.execute(CommandIDs.exportBundle);
    });
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

    const open = async (
      notebook: NotebookPanel | null,
      section: PanelSection | null
    ) => {
      if (notebook && tracker.currentWidget !== notebook) {
        app.shell.activateById(notebook.id);
      }
      follow();
      app.shell.activateById(sidebar.id);
      if (section) {
        sidebar.reveal(section);
      }
    };
    const openFromIndicator = () => {
      const state = core.captureOf(tracker.currentWidget)?.state;
      if (core.server.kind !== 'ok' || !state) {
        void app.commands.execute(CommandIDs.showStatus);
        return;
      }
      const drift =
        state.kind === 'recorded' &&
        ['high', 'medium', 'low'].includes(state.drift);
      void open(tracker.currentWidget, drift ? 'drift' : null);
    };
    return { open, openFromIndicator };
  }
};
