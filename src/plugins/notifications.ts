import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { NotebookCapture } from '../capture/controller';
import { CommandIDs, INbrepro, IReproPanel } from '../tokens';
import { DriftNotifier } from '../ui/notifications';
import { describeServerState } from '../vocabulary';

/**
 * The toasts: a notebook's drift (once per change), and the server part's
 * trouble when it did not answer as it should.
 */
export const notificationsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbrepro:notifications',
  description: 'Drift and server part notifications.',
  autoStart: true,
  requires: [INbrepro, IReproPanel],
  optional: [ITranslator, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    core: INbrepro,
    panel: IReproPanel,
    translator: ITranslator | null,
    state: IStateDB | null
  ) => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const notifier = new DriftNotifier(core, panel, trans, state);
    const follow = (capture: NotebookCapture) => {
      const notebook = capture.panel;
      capture.driftChanged.connect(
        (_, drift) => void notifier.announce(notebook, drift),
        notifier
      );
      notebook.disposed.connect(() => notifier.close(notebook, true), notifier);
    };
    core.captures().forEach(follow);
    core.captureAdded.connect((_, capture) => follow(capture), notifier);

    void core.serverChecked.then(server => {
      const text = describeServerState(server, trans);
      if (text.notice) {
        Notification.warning(text.notice, {
          autoClose: false,
          actions: [
            {
              label: trans.__('Details'),
              callback: () => void app.commands.execute(CommandIDs.showStatus)
            }
          ]
        });
      }
    });
  }
};
