import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  DEFAULT_CAPTURE_SETTINGS,
  ICaptureSettings,
  IDrift,
  NotebookCapture
} from './capture';
import { DriftPanel } from './driftpanel';
import { ExportFormat, exportBundle } from './export';
import { fetchEngine } from './kernelbridge';
import { EnvironmentPanel } from './panel';
import { checkServer, ServerState } from './server';
import { describeServerState, describeStatus, StatusItem } from './status';

const PLUGIN_ID = 'nbrepro:plugin';

namespace CommandIDs {
  export const showStatus = 'nbrepro:show-status';
  export const showEnvironment = 'nbrepro:show-environment';
  export const showDrift = 'nbrepro:show-drift';
  export const acceptEnvironment = 'nbrepro:accept-environment';
  export const exportBundle = 'nbrepro:export-bundle';
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
    const serverSettings = app.serviceManager.serverSettings;
    let serverState: ServerState = { kind: 'checking' };
    let captureSettings: ICaptureSettings = { ...DEFAULT_CAPTURE_SETTINGS };
    let showItem = true;
    let exportFormat: ExportFormat = 'folder';
    let exportDataLimitMB = 50;
    const captures = new WeakMap<NotebookPanel, NotebookCapture>();

    const notebookIsCurrent = () =>
      tracker.currentWidget !== null &&
      tracker.currentWidget === app.shell.currentWidget;
    const captureOf = (panel: NotebookPanel | null | undefined) =>
      panel ? (captures.get(panel) ?? null) : null;

    const showStatus = async () => {
      const capture = captureOf(tracker.currentWidget)?.state ?? null;
      const text = describeStatus(serverState, capture, trans);
      const body = new Widget();
      body.addClass('jp-nbrepro-StatusDialog');
      // textContent, never innerHTML: details may carry a server's message.
      const lines = [describeServerState(serverState, trans).title];
      if (capture && serverState.kind === 'ok') {
        lines.push(text.title);
      }
      for (const line of lines) {
        const paragraph = document.createElement('p');
        paragraph.textContent = line;
        body.node.appendChild(paragraph);
      }
      await showDialog({
        title: text.label,
        body,
        buttons: [Dialog.okButton({ label: trans.__('Close') })]
      });
    };

    const showEnvironment = (panel: NotebookPanel) => {
      const content = new EnvironmentPanel(panel, trans);
      const existing = Array.from(app.shell.widgets('main')).find(
        widget => widget.id === content.id
      );
      if (existing) {
        content.dispose();
        app.shell.activateById(existing.id);
        return;
      }
      const widget = new MainAreaWidget({ content });
      widget.id = content.id;
      widget.title.label = content.title.label;
      widget.title.closable = true;
      app.shell.add(widget, 'main', { mode: 'split-right' });
    };

    const showDrift = (panel: NotebookPanel) => {
      const capture = captureOf(panel);
      if (!capture) {
        return;
      }
      const id = `nbrepro-drift-${panel.id}`;
      const existing = Array.from(app.shell.widgets('main')).find(
        widget => widget.id === id
      );
      if (existing) {
        app.shell.activateById(id);
        return;
      }
      const content = new DriftPanel(capture, trans, panel.title.label);
      const widget = new MainAreaWidget({ content });
      widget.id = id;
      widget.title.label = content.title.label;
      widget.title.closable = true;
      panel.disposed.connect(() => widget.dispose(), widget);
      app.shell.add(widget, 'main', { mode: 'split-right' });
    };

    // One notification per change: a (notebook, recorded, kernel) triple is
    // announced once per session, never again on every cell.
    const announced = new Set<string>();
    const announce = (panel: NotebookPanel, drift: IDrift | null) => {
      if (!drift || serverState.kind !== 'ok') {
        return;
      }
      const severity = drift.report.severity;
      if (severity === 'none' || severity === 'info') {
        return;
      }
      const key = JSON.stringify([
        drift.notebookPath,
        drift.recorded,
        drift.kernel
      ]);
      if (announced.has(key)) {
        return;
      }
      announced.add(key);
      const { high, medium, low } = drift.report.counts;
      const message = trans.__(
        'nbrepro: the kernel differs from the environment recorded in %1 (%2 serious, %3 other differences).',
        panel.title.label,
        high,
        medium + low
      );
      const id = Notification.emit(
        message,
        severity === 'high' ? 'error' : 'warning',
        {
          autoClose: false,
          actions: [
            {
              label: trans.__('Show details'),
              callback: () => showDrift(panel)
            },
            {
              label: trans.__('Accept current environment'),
              caption: trans.__(
                'Record the kernel’s environment as the one this notebook vouches for'
              ),
              callback: () => captureOf(panel)?.accept()
            },
            {
              label: trans.__('Dismiss'),
              callback: () => Notification.dismiss(id)
            }
          ]
        }
      );
    };

    app.commands.addCommand(CommandIDs.showStatus, {
      label: trans.__('nbrepro: Show Status'),
      caption: trans.__('Show whether nbrepro and its server part are active'),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: showStatus
    });
    app.commands.addCommand(CommandIDs.showEnvironment, {
      label: trans.__('Show Recorded Environment'),
      caption: trans.__(
        'Show the environment recorded in the current notebook: Python, platform, GPU, seeds and packages'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => tracker.currentWidget !== null,
      execute: () => {
        if (tracker.currentWidget) {
          showEnvironment(tracker.currentWidget);
        }
      }
    });
    app.commands.addCommand(CommandIDs.showDrift, {
      label: trans.__('Show Environment Drift'),
      caption: trans.__(
        'Show what differs between the environment recorded in the notebook and its kernel, and how to restore it'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => tracker.currentWidget !== null,
      execute: () => {
        if (tracker.currentWidget) {
          showDrift(tracker.currentWidget);
        }
      }
    });
    app.commands.addCommand(CommandIDs.acceptEnvironment, {
      label: trans.__('Accept Current Environment'),
      caption: trans.__(
        'Record the kernel’s environment as the one this notebook vouches for'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => captureOf(tracker.currentWidget)?.drift !== null,
      execute: () => captureOf(tracker.currentWidget)?.accept()
    });
    app.commands.addCommand(CommandIDs.exportBundle, {
      label: trans.__('Export Reproducible Bundle…'),
      caption: trans.__(
        'Write the notebook, a script, its environment files and a README beside it, to run it again elsewhere'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: notebookIsCurrent,
      execute: () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return;
        }
        return exportBundle(panel, {
          app,
          trans,
          defaultFormat: () => exportFormat,
          dataLimit: () => Math.round(exportDataLimitMB * 1024 * 1024),
          serverProblem: () =>
            serverState.kind === 'ok'
              ? null
              : describeServerState(serverState, trans).title,
          kernelDrift: () => captureOf(panel)?.drift?.report ?? null
        });
      }
    });
    for (const command of [
      CommandIDs.showStatus,
      CommandIDs.showEnvironment,
      CommandIDs.showDrift,
      CommandIDs.acceptEnvironment,
      CommandIDs.exportBundle
    ]) {
      palette?.addItem({ command, category: trans.__('nbrepro') });
    }

    const item = new StatusItem(trans, () => {
      const state = captureOf(tracker.currentWidget)?.state;
      let command = CommandIDs.showStatus;
      if (serverState.kind === 'ok' && state?.kind === 'recorded') {
        command = ['high', 'medium', 'low'].includes(state.drift)
          ? CommandIDs.showDrift
          : CommandIDs.showEnvironment;
      }
      void app.commands.execute(command);
    });
    const activeChanged = new Signal<unknown, void>(item);
    statusBar?.registerStatusItem(PLUGIN_ID, {
      item,
      align: 'left',
      rank: 4,
      isActive: () => showItem && notebookIsCurrent(),
      activeStateChanged: activeChanged
    });
    const refreshItem = () => {
      item.setCapture(captureOf(tracker.currentWidget)?.state ?? null);
      activeChanged.emit();
    };
    tracker.currentChanged.connect(refreshItem, item);
    labShell?.currentChanged.connect(refreshItem, item);

    const engine = () => fetchEngine(serverSettings);
    tracker.widgetAdded.connect((_, panel) => {
      const capture = new NotebookCapture(panel, engine, () => captureSettings);
      captures.set(panel, capture);
      capture.stateChanged.connect(() => {
        if (tracker.currentWidget === panel) {
          refreshItem();
        }
      }, item);
      capture.driftChanged.connect((_, drift) => announce(panel, drift), item);
      panel.disposed.connect(() => {
        captures.delete(panel);
        capture.dispose();
      }, item);
    }, item);
    NotebookActions.executed.connect((_, { notebook, cell, success }) => {
      const panel = tracker.find(candidate => candidate.content === notebook);
      captureOf(panel)?.cellExecuted(cell.model, success);
    }, item);

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(
        settings => {
          const apply = () => {
            const get = (key: string) => settings.get(key).composite;
            showItem = get('showStatusItem') !== false;
            exportFormat = get('exportFormat') === 'zip' ? 'zip' : 'folder';
            const limit = get('exportDataLimitMB');
            exportDataLimitMB =
              typeof limit === 'number' && limit >= 0 ? limit : 50;
            captureSettings = {
              enabled: get('captureEnabled') !== false,
              mode:
                get('captureMode') === 'kernel-start'
                  ? 'kernel-start'
                  : 'every-run',
              gpu: get('captureGpu') !== false,
              recordHostname: get('recordHostname') === true,
              recordPaths: get('recordPaths') === true,
              ignorePackages: (
                (get('ignorePackages') as string[] | undefined) ?? []
              ).filter(pattern => typeof pattern === 'string')
            };
            tracker.forEach(panel => captureOf(panel)?.refreshDrift());
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

    void checkServer(serverSettings).then(state => {
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
      if (state.kind === 'ok') {
        tracker.forEach(panel => captureOf(panel)?.schedule());
      }
    });

    console.log('nbrepro: JupyterLab extension is activated');
  }
};

export default plugin;
