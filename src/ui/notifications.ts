import { Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import { TranslationBundle } from '@jupyterlab/translation';

import { IDrift, INbrepro, IReproPanel } from '../tokens';
import { driftMessage } from '../vocabulary';
import { acceptWithConfirmation } from './accept';

/**
 * Where earlier versions kept dismissed drifts: JupyterLab's state database,
 * which is per frontend (Notebook 7 never saw them). Moved to the settings.
 */
const STATE_KEY = 'nbrepro:dismissed-drift';

/**
 * The drift toasts, one per change: a (notebook, recorded, kernel) triple is
 * announced once per session; one the user dismissed is not announced again,
 * even after a reload and in the other frontend, until it changes. The
 * dismissals live in nbrepro's settings (`dismissedDrifts`): JupyterLab and
 * Notebook 7 read the same user settings, while each keeps its own state
 * database (a workspace).
 */
export class DriftNotifier {
  constructor(
    private readonly _core: INbrepro,
    private readonly _panel: IReproPanel,
    private readonly _trans: TranslationBundle,
    state: IStateDB | null
  ) {
    this._loaded = _core.settingsLoaded.then(() => migrate(state, _core));
    // The panel shows the drift now: its toast has said what it had to.
    _panel.opened.connect((_, notebook) => this.close(notebook), this);
  }

  private get _dismissed(): string[] {
    return this._core.settings.dismissedDrifts;
  }

  /**
   * Show, update or close `notebook`'s toast for its drift now.
   */
  async announce(notebook: NotebookPanel, drift: IDrift | null): Promise<void> {
    await this._loaded;
    if (!drift || this._core.server.kind !== 'ok' || notebook.isDisposed) {
      this.close(notebook);
      return;
    }
    const severity = drift.report.severity;
    if (severity === 'none' || severity === 'info') {
      this.close(notebook);
      return;
    }
    const key = JSON.stringify([
      drift.notebookPath,
      drift.recorded,
      drift.kernel
    ]);
    const message = driftMessage(
      notebook.title.label,
      drift.report,
      this._trans
    );
    const type = severity === 'high' ? 'error' : 'warning';
    if (this._announced.has(key) || this._dismissed.includes(key)) {
      this._update(notebook, key, message, type);
      return;
    }
    this._announced.add(key);
    this.close(notebook);
    this._keys.set(notebook, key);
    if (this._panel.isShowing(notebook)) {
      // The panel shows this notebook's drift already (and says it to screen
      // readers): a toast would only cover its foot.
      return;
    }
    const id = Notification.emit(message, type, {
      autoClose: false,
      actions: this._actions(notebook, key)
    });
    this._toasts.set(notebook, id);
    this._texts.set(notebook, { message, type });
  }

  /**
   * Close `notebook`'s toast; `closing`: the notebook closes, and the same
   * drift is announced again when it is opened again (unless dismissed).
   */
  close(notebook: NotebookPanel, closing = false): void {
    const id = this._toasts.get(notebook);
    if (id !== undefined) {
      Notification.dismiss(id);
      this._toasts.delete(notebook);
    }
    if (closing) {
      const key = this._keys.get(notebook);
      if (key !== undefined) {
        this._announced.delete(key);
      }
      this._keys.delete(notebook);
      this._texts.delete(notebook);
    }
  }

  /**
   * The same drift, judged again: a cell that ran told what the notebook
   * imports, which raises or lowers severities. A toast still on screen says
   * what the panel says now; one the user closed is not brought back (an
   * update would show it again).
   */
  private _update(
    notebook: NotebookPanel,
    key: string,
    message: string,
    type: 'error' | 'warning'
  ): void {
    const id = this._toasts.get(notebook);
    const shown = this._texts.get(notebook);
    if (
      id !== undefined &&
      this._keys.get(notebook) === key &&
      (shown?.message !== message || shown?.type !== type) &&
      document.getElementById(id) !== null
    ) {
      Notification.update({ id, message, type });
      this._texts.set(notebook, { message, type });
    }
  }

  private _actions(
    notebook: NotebookPanel,
    key: string
  ): Notification.IAction[] {
    const trans = this._trans;
    return [
      {
        label: trans.__('Details'),
        caption: trans.__('Show the drift in the nbrepro panel'),
        callback: event => {
          event.preventDefault();
          void this._panel.open(notebook, 'drift');
        }
      },
      {
        label: trans.__('Accept…'),
        caption: trans.__(
          'Make the notebook vouch for the kernel’s environment (asks first; can be undone)'
        ),
        callback: () => {
          const capture = this._core.captureOf(notebook);
          if (capture) {
            void acceptWithConfirmation(capture, trans);
          }
          this._toasts.delete(notebook);
        }
      },
      {
        label: trans.__('Dismiss'),
        caption: trans.__('Do not announce this drift again until it changes'),
        callback: () => {
          this._remember(key);
          this._toasts.delete(notebook);
        }
      }
    ];
  }

  private _remember(key: string): void {
    if (!this._dismissed.includes(key)) {
      this._core.dismissDrift(key);
    }
  }

  private _loaded: Promise<void>;
  private _announced = new Set<string>();
  private _toasts = new Map<NotebookPanel, string>();
  private _keys = new Map<NotebookPanel, string>();
  private _texts = new Map<
    NotebookPanel,
    { message: string; type: 'error' | 'warning' }
  >();
}

/**
 * Dismissals an earlier version kept in this frontend's state database go to
 * the settings, once.
 */
async function migrate(state: IStateDB | null, core: INbrepro): Promise<void> {
  if (!state) {
    return;
  }
  try {
    const value = await state.fetch(STATE_KEY);
    if (Array.isArray(value)) {
      for (const key of value) {
        if (
          typeof key === 'string' &&
          !core.settings.dismissedDrifts.includes(key)
        ) {
          core.dismissDrift(key);
        }
      }
      await state.remove(STATE_KEY);
    }
  } catch {
    // Nothing kept, or no state database: nothing to move.
  }
}
