import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog } from '@jupyterlab/apputils';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { checkServer, ServerState } from './server';
import { describeServerState, StatusItem } from './status';

const PLUGIN_ID = 'nbrepro:plugin';

namespace CommandIDs {
  export const showStatus = 'nbrepro:show-status';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Records what a notebook ran on, warns when the environment drifts, and exports a bundle that runs again.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [
    ITranslator,
    ICommandPalette,
    IStatusBar,
    ISettingRegistry,
    ILabShell
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null,
    labShell: ILabShell | null
  ) => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    let serverState: ServerState = { kind: 'checking' };

    const showStatus = async () => {
      const text = describeServerState(serverState, trans);
      const body = new Widget();
      // textContent, never innerHTML: details may carry a server's message.
      body.node.textContent = text.title;
      await showDialog({
        title: text.label,
        body,
        buttons: [Dialog.okButton({ label: trans.__('Close') })]
      });
    };

    app.commands.addCommand(CommandIDs.showStatus, {
      label: trans.__('nbrepro: Show Status'),
      caption: trans.__('Show whether nbrepro and its server part are active'),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: showStatus
    });
    palette?.addItem({
      command: CommandIDs.showStatus,
      category: trans.__('nbrepro')
    });

    const item = new StatusItem(trans, () => {
      void app.commands.execute(CommandIDs.showStatus);
    });
    let showItem = true;
    const activeChanged = new Signal<unknown, void>(item);
    const notebookIsCurrent = () =>
      tracker.currentWidget !== null &&
      tracker.currentWidget === app.shell.currentWidget;
    statusBar?.registerStatusItem(PLUGIN_ID, {
      item,
      align: 'left',
      rank: 4,
      isActive: () => showItem && notebookIsCurrent(),
      activeStateChanged: activeChanged
    });
    tracker.currentChanged.connect(() => activeChanged.emit(), item);
    labShell?.currentChanged.connect(() => activeChanged.emit(), item);

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(
        settings => {
          const apply = () => {
            showItem = settings.get('showStatusItem').composite !== false;
            activeChanged.emit();
          };
          settings.changed.connect(apply, item);
          apply();
        },
        reason => {
          console.warn('nbrepro: could not load settings', reason);
        }
      );
    }

    void checkServer(app.serviceManager.serverSettings).then(state => {
      serverState = state;
      item.setState(state);
      const text = describeServerState(state, trans);
      if (text.notice) {
        Notification.warning(text.notice, {
          autoClose: false,
          actions: [
            {
              label: trans.__('Details'),
              callback: () => void showStatus()
            }
          ]
        });
      }
    });

    console.log('nbrepro: JupyterLab extension is activated');
  }
};

export default plugin;
