import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { NotebookCapture } from '../capture/controller';
import { INbrepro, IReproPanel } from '../tokens';
import { ToolbarIndicator } from '../ui/toolbar';

/**
 * An indicator in each notebook's own toolbar: Notebook 7 has no status bar,
 * and it says which notebook it is about.
 */
export const toolbarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbrepro:toolbar-indicator',
  description: "The state indicator in each notebook's toolbar.",
  autoStart: true,
  requires: [INbrepro, INotebookTracker, IReproPanel],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    core: INbrepro,
    tracker: INotebookTracker,
    panel: IReproPanel,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const indicators = new Set<ToolbarIndicator>();
    const attach = (capture: NotebookCapture) => {
      const notebook = capture.panel;
      const indicator = new ToolbarIndicator(trans, capture, () => {
        if (tracker.currentWidget !== notebook) {
          app.shell.activateById(notebook.id);
        }
        panel.openFromIndicator();
      });
      indicator.setVisible(core.settings.showToolbarItem);
      indicators.add(indicator);
      indicator.disposed.connect(() => indicators.delete(indicator));
      if (!notebook.toolbar.insertAfter('spacer', 'nbrepro', indicator)) {
        notebook.toolbar.addItem('nbrepro', indicator);
      }
    };
    core.captures().forEach(attach);
    core.captureAdded.connect((_, capture) => attach(capture));
    core.settingsChanged.connect((_, settings) => {
      for (const indicator of indicators) {
        indicator.setVisible(settings.showToolbarItem);
      }
    });
  }
};
