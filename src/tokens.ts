/**
 * What nbrepro's plugins share: the core (the settings, the server part's
 * state and one capture controller per notebook) and the panel, each behind
 * a token, and the types their signals carry. A plugin of another extension
 * may require these tokens too.
 */

import { NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { NotebookCapture } from './capture/controller';
import type { IDriftReport } from './drift/diff';
import type { ServerState } from './server/api';

/**
 * The command ids, in one place (the commands plugin builds them from its
 * table; other surfaces execute them by id).
 */
export namespace CommandIDs {
  export const showStatus = 'nbrepro:show-status';
  export const showEnvironment = 'nbrepro:show-environment';
  export const showDrift = 'nbrepro:show-drift';
  export const acceptEnvironment = 'nbrepro:accept-environment';
  export const exportBundle = 'nbrepro:export-bundle';
  export const showPanel = 'nbrepro:show-panel';
}

/**
 * The id of the core plugin, which owns the settings (schema/plugin.json).
 */
export const PLUGIN_ID = 'nbrepro:plugin';

/**
 * The user's capture settings.
 */
export interface ICaptureSettings {
  enabled: boolean;
  mode: 'every-run' | 'kernel-start';
  gpu: boolean;
  recordHostname: boolean;
  recordPaths: boolean;
  ignorePackages: string[];
}

export type ExportFormat = 'folder' | 'zip';

/**
 * Every setting of schema/plugin.json, read.
 */
export interface ISettings {
  capture: ICaptureSettings;
  showStatusItem: boolean;
  showToolbarItem: boolean;
  exportFormat: ExportFormat;
  exportDataLimitMB: number;
  exportWheelLimitMB: number;
}

/**
 * The drift between the environment a notebook vouches for (its `current`
 * snapshot) and the one its kernel runs on now.
 */
export interface IDrift {
  notebookPath: string;
  recorded: string;
  kernel: string;
  report: IDriftReport;
}

/**
 * Where capture stands for one notebook.
 */
export type CaptureState =
  | { kind: 'off' }
  | { kind: 'waiting' }
  | { kind: 'capturing' }
  | {
      kind: 'recorded';
      envId: string;
      packages: number;
      snapshots: number;
      drift: IDriftReport['severity'];
    }
  | { kind: 'failed'; reason: string }
  | { kind: 'unsupported'; language: string };

/**
 * The core: settings, the server part's state and a capture controller per
 * open notebook.
 */
export interface INbrepro {
  /** The settings now (defaults until they load). */
  readonly settings: ISettings;
  /** Emitted after the settings changed (and once they loaded). */
  readonly settingsChanged: ISignal<INbrepro, ISettings>;
  /** Keep the export format the user chose, for the next export. */
  rememberExportFormat(format: ExportFormat): void;
  /** The server part's state now ('checking' until it answered). */
  readonly server: ServerState;
  /** Resolves once the server part answered (or failed to). */
  readonly serverChecked: Promise<ServerState>;
  /** The capture controller of a notebook, if nbrepro tracks it. */
  captureOf(panel: NotebookPanel | null | undefined): NotebookCapture | null;
  /** The controllers now, in the order their notebooks opened. */
  captures(): NotebookCapture[];
  /** Emitted when a notebook gets its controller. */
  readonly captureAdded: ISignal<INbrepro, NotebookCapture>;
}

export const INbrepro = new Token<INbrepro>(
  'nbrepro:INbrepro',
  "nbrepro's core: settings, the server part's state and each notebook's capture."
);

export type PanelSection = 'environment' | 'drift';

/**
 * The reproducibility panel in the right sidebar.
 */
export interface IReproPanel {
  /** Activate `notebook` (if given) and show the panel, at `section`. */
  open(
    notebook: NotebookPanel | null,
    section: PanelSection | null
  ): Promise<void>;
  /**
   * What a click on an indicator (status item, toolbar) shows for the
   * current notebook: the drift when there is some, the panel otherwise,
   * the status dialog while the server part is not there.
   */
  openFromIndicator(): void;
}

export const IReproPanel = new Token<IReproPanel>(
  'nbrepro:IReproPanel',
  "nbrepro's panel in the right sidebar."
);
