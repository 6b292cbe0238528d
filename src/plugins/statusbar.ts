import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { NotebookCapture } from '../capture/controller';
import { INbrepro, IReproPanel, PLUGIN_ID } from '../tokens';
import { StatusItem } from '../ui/statusitem';

/**
 * The status bar item (JupyterLab): the active notebook's state in a word or
 * two; a click opens the panel, or the status dialog.
 */
export const statusBarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbrepro:status-item',
  description: 'The status bar item of the active notebook.',
  autoStart: true,
  requires: [INbrepro, INotebookTracker, IReproPanel],
  optional: [IStatusBar, ILabShell, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    core: INbrepro,
    tracker: INotebookTracker,
    panel: IReproPanel,
    statusBar: IStatusBar | null,
    labShell: ILabShell | null,
    translator: ITranslator | null
  ) => {
    if (!statusBar) {
      return; // Notebook 7: the toolbar indicator says it instead.
    }
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const item = new StatusItem(trans, () => panel.openFromIndicator());
    const activeChanged = new Signal<unknown, void>(item);
    statusBar.registerStatusItem(PLUGIN_ID, {
      item,
      align: 'left',
      rank: 4,
      isActive: () =>
        core.settings.showStatusItem &&
        tracker.currentWidget !== null &&
        tracker.currentWidget === app.shell.currentWidget,
      activeStateChanged: activeChanged
    });
    const refresh = () => {
      const capture = core.captureOf(tracker.currentWidget);
      item.setCapture(capture?.state ?? null, capture?.isRecorded ?? false);
      activeChanged.emit();
    };
    tracker.currentChanged.connect(refresh, item);
    labShell?.currentChanged.connect(refresh, item);
    const follow = (capture: NotebookCapture) => {
      capture.stateChanged.connect(() => {
        if (tracker.currentWidget === capture.panel) {
          refresh();
        }
      }, item);
    };
    core.captures().forEach(follow);
    core.captureAdded.connect((_, capture) => follow(capture), item);
    core.settingsChanged.connect(() => activeChanged.emit(), item);
    void core.serverChecked.then(state => item.setState(state));
  }
};
