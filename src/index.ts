import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { IStateDB } from '@jupyterlab/statedb';
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
import { ExportFormat, exportBundle } from './export';
import { fetchEngine } from './kernelbridge';
import { ReproSidebar } from './sidebar';
import { driftMessage, ToolbarIndicator } from './notify';
import { checkServer, ServerState } from './server';
import { describeServerState, describeStatus, StatusItem } from './status';

const PLUGIN_ID = 'nbrepro:plugin';

namespace CommandIDs {
  export const showStatus = 'nbrepro:show-status';
  export const showEnvironment = 'nbrepro:show-environment';
  export const showDrift = 'nbrepro:show-drift';
  export const acceptEnvironment = 'nbrepro:accept-environment';
  export const exportBundle = 'nbrepro:export-bundle';
  export const showPanel = 'nbrepro:show-panel';
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
    ILabShell,
    IStateDB
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null,
    labShell: ILabShell | null,
    state: IStateDB | null
  ) => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const serverSettings = app.serviceManager.serverSettings;
    let serverState: ServerState = { kind: 'checking' };
    let captureSettings: ICaptureSettings = { ...DEFAULT_CAPTURE_SETTINGS };
    let showItem = true;
    let showToolbarItem = true;
    const indicators = new Set<ToolbarIndicator>();
    let exportFormat: ExportFormat = 'folder';
    let exportDataLimitMB = 50;
    let exportWheelLimitMB = 50;
    const captures = new WeakMap<NotebookPanel, NotebookCapture>();

    const notebookIsCurrent = () =>
      tracker.currentWidget !== null &&
      tracker.currentWidget === app.shell.currentWidget;
    const captureOf = (panel: NotebookPanel | null | undefined) =>
      panel ? (captures.get(panel) ?? null) : null;

    const showStatus = async () => {
      const current = captureOf(tracker.currentWidget);
      const capture = current?.state ?? null;
      const text = describeStatus(
        serverState,
        capture,
        current?.isRecorded ?? false,
        trans
      );
      const body = new Widget();
      body.addClass('jp-nbrepro-StatusDialog');
      // textContent, never innerHTML: details may carry a server's message.
      const lines = [describeServerState(serverState, trans).title];
      const notebook = tracker.currentWidget;
      const offersPanel = notebook !== null && serverState.kind === 'ok';
      if (capture && serverState.kind === 'ok') {
        // The dialog's words name its own button, "Open panel", not a click.
        lines.push(text.panel ? text.title + ' ' + text.panel : text.title);
      }
      for (const line of lines) {
        const paragraph = document.createElement('p');
        paragraph.textContent = line;
        body.node.appendChild(paragraph);
      }
      const result = await showDialog({
        title: text.label,
        body,
        buttons: offersPanel
          ? [
              Dialog.cancelButton({ label: trans.__('Close') }),
              Dialog.okButton({ label: trans.__('Open panel') })
            ]
          : [Dialog.okButton({ label: trans.__('Close') })]
      });
      if (offersPanel && result.button.accept) {
        await app.commands.execute(CommandIDs.showPanel);
      }
    };

    // One panel, in the right sidebar (JupyterLab and Notebook 7): it shows
    // the active notebook.
    const sidebar = new ReproSidebar(trans, () => {
      void app.commands.execute(CommandIDs.exportBundle);
    });
    app.shell.add(sidebar, 'right', { rank: 650 });
    const follow = () => {
      const panel = tracker.currentWidget;
      sidebar.showNotebook(panel, captureOf(panel));
    };

    const openPanel = async (
      panel: NotebookPanel | null,
      section: 'environment' | 'drift' | null
    ) => {
      if (panel && tracker.currentWidget !== panel) {
        app.shell.activateById(panel.id);
      }
      follow();
      app.shell.activateById(sidebar.id);
      if (section) {
        sidebar.reveal(section);
      }
    };

    // Says why, instead of doing nothing, when a command cannot act.
    const cannot = (why: string) => {
      Notification.info(why, { autoClose: 5000 });
    };
    const noNotebook = () =>
      cannot(trans.__('nbrepro: open or select a notebook first.'));

    // One notification per change: a (notebook, recorded, kernel) triple is
    // announced once per session; one the user dismissed is not announced
    // again, even after a reload (kept in the state database) until it
    // changes.
    const STATE_KEY = 'nbrepro:dismissed-drift';
    let dismissed: string[] = [];
    const dismissedLoaded = state
      ? state.fetch(STATE_KEY).then(
          value => {
            dismissed = Array.isArray(value)
              ? (value as unknown[]).filter(
                  (v): v is string => typeof v === 'string'
                )
              : [];
          },
          () => undefined
        )
      : Promise.resolve();
    const remember = (key: string) => {
      if (!dismissed.includes(key)) {
        dismissed = [...dismissed, key].slice(-200);
        void state?.save(STATE_KEY, dismissed);
      }
    };
    const announced = new Set<string>();
    const toasts = new Map<NotebookPanel, string>();
    const toastKeys = new Map<NotebookPanel, string>();
    const toastTexts = new Map<
      NotebookPanel,
      { message: string; type: 'error' | 'warning' }
    >();
    const closeToast = (panel: NotebookPanel, closing = false) => {
      const id = toasts.get(panel);
      if (id !== undefined) {
        Notification.dismiss(id);
        toasts.delete(panel);
      }
      if (closing) {
        // Opened again later, the same drift is announced again (unless
        // the user dismissed it).
        const key = toastKeys.get(panel);
        if (key !== undefined) {
          announced.delete(key);
        }
        toastKeys.delete(panel);
        toastTexts.delete(panel);
      }
    };
    const announce = async (panel: NotebookPanel, drift: IDrift | null) => {
      await dismissedLoaded;
      if (!drift || serverState.kind !== 'ok' || panel.isDisposed) {
        closeToast(panel);
        return;
      }
      const severity = drift.report.severity;
      if (severity === 'none' || severity === 'info') {
        closeToast(panel);
        return;
      }
      const key = JSON.stringify([
        drift.notebookPath,
        drift.recorded,
        drift.kernel
      ]);
      const message = driftMessage(panel.title.label, drift.report, trans);
      const type = severity === 'high' ? 'error' : 'warning';
      if (announced.has(key) || dismissed.includes(key)) {
        // The same drift, judged again: a cell that ran told what the
        // notebook imports, which raises or lowers severities. A toast still
        // on screen says what the panel says now; one the user closed is not
        // brought back (an update would show it again).
        const id = toasts.get(panel);
        const shown = toastTexts.get(panel);
        if (
          id !== undefined &&
          toastKeys.get(panel) === key &&
          (shown?.message !== message || shown?.type !== type) &&
          document.getElementById(id) !== null
        ) {
          Notification.update({ id, message, type });
          toastTexts.set(panel, { message, type });
        }
        return;
      }
      announced.add(key);
      closeToast(panel);
      toastKeys.set(panel, key);
      const id = Notification.emit(message, type, {
        autoClose: false,
        actions: [
          {
            label: trans.__('Details'),
            caption: trans.__('Show the drift in the nbrepro panel'),
            callback: event => {
              event.preventDefault();
              void openPanel(panel, 'drift');
            }
          },
          {
            label: trans.__('Accept'),
            caption: trans.__(
              'Record the kernel’s environment as the one this notebook vouches for'
            ),
            callback: () => {
              captureOf(panel)?.accept();
              toasts.delete(panel);
            }
          },
          {
            label: trans.__('Dismiss'),
            caption: trans.__(
              'Do not announce this drift again until it changes'
            ),
            callback: () => {
              remember(key);
              toasts.delete(panel);
            }
          }
        ]
      });
      toasts.set(panel, id);
      toastTexts.set(panel, { message, type });
    };

    app.commands.addCommand(CommandIDs.showStatus, {
      label: trans.__('nbrepro: Show Status'),
      caption: trans.__('Show whether nbrepro and its server part are active'),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: showStatus
    });
    app.commands.addCommand(CommandIDs.showPanel, {
      // The palette lists it among everyone's commands: it says whose.
      label: args =>
        args.isPalette
          ? trans.__('nbrepro: Show Reproducibility Panel')
          : trans.__('Show Reproducibility Panel'),
      caption: trans.__(
        'Open the nbrepro panel in the right sidebar: the active notebook’s environment, drift and export'
      ),
      icon: args => (args.toolbar ? undefined : sidebar.title.icon),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => openPanel(tracker.currentWidget, null)
    });
    app.commands.addCommand(CommandIDs.showEnvironment, {
      // The palette lists it among everyone's commands: it says whose.
      label: args =>
        args.isPalette
          ? trans.__('nbrepro: Show Recorded Environment')
          : trans.__('Show Recorded Environment'),
      caption: trans.__(
        'Show the environment recorded in the current notebook: Python, platform, GPU, seeds and packages'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () =>
        tracker.currentWidget
          ? openPanel(tracker.currentWidget, 'environment')
          : noNotebook()
    });
    app.commands.addCommand(CommandIDs.showDrift, {
      // The palette lists it among everyone's commands: it says whose.
      label: args =>
        args.isPalette
          ? trans.__('nbrepro: Show Environment Drift')
          : trans.__('Show Environment Drift'),
      caption: trans.__(
        'Show what differs between the environment recorded in the notebook and its kernel, and how to restore it'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () =>
        tracker.currentWidget
          ? openPanel(tracker.currentWidget, 'drift')
          : noNotebook()
    });
    app.commands.addCommand(CommandIDs.acceptEnvironment, {
      // The palette lists it among everyone's commands: it says whose.
      label: args =>
        args.isPalette
          ? trans.__('nbrepro: Accept Current Environment')
          : trans.__('Accept Current Environment'),
      caption: trans.__(
        'Record the kernel’s environment as the one this notebook vouches for'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        const capture = captureOf(tracker.currentWidget);
        if (!capture) {
          return noNotebook();
        }
        if (!capture.drift) {
          return cannot(
            trans.__(
              'nbrepro: nothing to accept, the kernel matches the recorded environment (or has not reported yet).'
            )
          );
        }
        capture.accept();
      }
    });
    app.commands.addCommand(CommandIDs.exportBundle, {
      // The palette lists it among everyone's commands: it says whose.
      label: args =>
        args.isPalette
          ? trans.__('nbrepro: Export Reproducible Bundle…')
          : trans.__('Export Reproducible Bundle…'),
      caption: trans.__(
        'Write the notebook, a script, its environment files and a README beside it, to run it again elsewhere'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return noNotebook();
        }
        if (captureOf(panel)?.state.kind === 'unsupported') {
          return cannot(
            trans.__(
              'nbrepro: export needs a Python kernel; this notebook runs another language.'
            )
          );
        }
        return exportBundle(panel, {
          app,
          trans,
          defaultFormat: () => exportFormat,
          dataLimit: () => Math.round(exportDataLimitMB * 1024 * 1024),
          rememberFormat: format => {
            exportFormat = format;
            void settings?.set('exportFormat', format);
          },
          wheelLimit: () => Math.round(exportWheelLimitMB * 1024 * 1024),
          serverProblem: () =>
            serverState.kind === 'ok'
              ? null
              : describeServerState(serverState, trans).title,
          kernelDrift: () => captureOf(panel)?.drift?.report ?? null
        });
      }
    });
    for (const command of [
      CommandIDs.showPanel,
      CommandIDs.showStatus,
      CommandIDs.showEnvironment,
      CommandIDs.showDrift,
      CommandIDs.acceptEnvironment,
      CommandIDs.exportBundle
    ]) {
      palette?.addItem({
        command,
        category: trans.__('nbrepro'),
        args: { isPalette: true }
      });
    }

    const onIndicator = () => {
      const state = captureOf(tracker.currentWidget)?.state;
      if (serverState.kind !== 'ok' || !state) {
        void app.commands.execute(CommandIDs.showStatus);
        return;
      }
      const drift =
        state.kind === 'recorded' &&
        ['high', 'medium', 'low'].includes(state.drift);
      void openPanel(tracker.currentWidget, drift ? 'drift' : null);
    };
    const item = new StatusItem(trans, onIndicator);
    const activeChanged = new Signal<unknown, void>(item);
    statusBar?.registerStatusItem(PLUGIN_ID, {
      item,
      align: 'left',
      rank: 4,
      isActive: () => showItem && notebookIsCurrent(),
      activeStateChanged: activeChanged
    });
    const refreshItem = () => {
      const capture = captureOf(tracker.currentWidget);
      item.setCapture(capture?.state ?? null, capture?.isRecorded ?? false);
      activeChanged.emit();
    };
    tracker.currentChanged.connect(refreshItem, item);
    tracker.currentChanged.connect(follow, sidebar);
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
      capture.driftChanged.connect(
        (_, drift) => void announce(panel, drift),
        item
      );
      panel.disposed.connect(() => {
        closeToast(panel, true);
        captures.delete(panel);
        capture.dispose();
      }, item);
      if (tracker.currentWidget === panel) {
        follow();
      }
      // An indicator in the notebook's own toolbar: Notebook 7 has no status
      // bar, and it says which notebook it is about.
      const indicator = new ToolbarIndicator(trans, capture, () => {
        if (tracker.currentWidget !== panel) {
          app.shell.activateById(panel.id);
        }
        onIndicator();
      });
      indicator.setVisible(showToolbarItem);
      indicators.add(indicator);
      indicator.disposed.connect(() => indicators.delete(indicator));
      if (!panel.toolbar.insertAfter('spacer', 'nbrepro', indicator)) {
        panel.toolbar.addItem('nbrepro', indicator);
      }
    }, item);
    NotebookActions.executed.connect((_, { notebook, cell, success }) => {
      const panel = tracker.find(candidate => candidate.content === notebook);
      captureOf(panel)?.cellExecuted(cell.model, success);
    }, item);

    let settings: ISettingRegistry.ISettings | null = null;
    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(
        loaded => {
          settings = loaded;
          const apply = () => {
            const get = (key: string) => loaded.get(key).composite;
            showItem = get('showStatusItem') !== false;
            showToolbarItem = get('showToolbarItem') !== false;
            for (const indicator of indicators) {
              indicator.setVisible(showToolbarItem);
            }
            exportFormat = get('exportFormat') === 'zip' ? 'zip' : 'folder';
            const limit = get('exportDataLimitMB');
            exportDataLimitMB =
              typeof limit === 'number' && limit >= 0 ? limit : 50;
            const wheelLimit = get('exportWheelLimitMB');
            exportWheelLimitMB =
              typeof wheelLimit === 'number' && wheelLimit >= 0
                ? wheelLimit
                : 50;
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
          loaded.changed.connect(apply, item);
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
