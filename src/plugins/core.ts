import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ISignal, Signal } from '@lumino/signaling';

import { NotebookCapture } from '../capture/controller';
import { fetchEngine } from '../capture/kernel';
import { CaptureRegistry } from '../capture/registry';
import { checkServer, ServerState } from '../server/api';
import { ExportFormat, INbrepro, ISettings, PLUGIN_ID } from '../tokens';
import { DEFAULT_SETTINGS, readSettings } from './settings';

/**
 * The core: the settings, the server part's state and a capture controller
 * per notebook. It owns the settings (schema/plugin.json is this plugin's).
 */
export const corePlugin: JupyterFrontEndPlugin<INbrepro> = {
  id: PLUGIN_ID,
  description:
    'Records what a notebook ran on, warns when the environment drifts, and exports a bundle that runs again.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry],
  provides: INbrepro,
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null
  ): INbrepro => {
    const core = new Core(app, tracker);
    if (settingRegistry) {
      core.loadSettings(settingRegistry);
    }
    console.log('nbrepro: JupyterLab extension is activated');
    return core;
  }
};

class Core implements INbrepro {
  constructor(app: JupyterFrontEnd, tracker: INotebookTracker) {
    const serverSettings = app.serviceManager.serverSettings;
    this._registry = new CaptureRegistry(
      tracker,
      () => fetchEngine(serverSettings),
      () => this._settings.capture
    );
    this._registry.added.connect((_, capture) =>
      this._captureAdded.emit(capture)
    );
    this.serverChecked = checkServer(serverSettings).then(state => {
      this._server = state;
      if (state.kind === 'ok') {
        for (const capture of this.captures()) {
          capture.schedule();
        }
      }
      return state;
    });
  }

  readonly serverChecked: Promise<ServerState>;

  get server(): ServerState {
    return this._server;
  }

  get settings(): ISettings {
    return this._settings;
  }

  get settingsChanged(): ISignal<INbrepro, ISettings> {
    return this._settingsChanged;
  }

  get captureAdded(): ISignal<INbrepro, NotebookCapture> {
    return this._captureAdded;
  }

  captureOf(panel: NotebookPanel | null | undefined): NotebookCapture | null {
    return this._registry.captureOf(panel);
  }

  captures(): NotebookCapture[] {
    return this._registry.captures();
  }

  rememberExportFormat(format: ExportFormat): void {
    this._settings = { ...this._settings, exportFormat: format };
    void this._stored?.set('exportFormat', format);
  }

  loadSettings(registry: ISettingRegistry): void {
    void registry.load(PLUGIN_ID).then(
      loaded => {
        this._stored = loaded;
        const apply = () => {
          this._settings = readSettings(key => loaded.get(key).composite);
          // The ignore patterns may have changed.
          for (const capture of this.captures()) {
            capture.refreshDrift();
          }
          this._settingsChanged.emit(this._settings);
        };
        loaded.changed.connect(apply, this);
        apply();
      },
      reason => {
        console.warn('nbrepro: could not load settings', reason);
      }
    );
  }

  private _registry: CaptureRegistry;
  private _server: ServerState = { kind: 'checking' };
  private _settings: ISettings = DEFAULT_SETTINGS;
  private _stored: ISettingRegistry.ISettings | null = null;
  private _settingsChanged = new Signal<INbrepro, ISettings>(this);
  private _captureAdded = new Signal<INbrepro, NotebookCapture>(this);
}
