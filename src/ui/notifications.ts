import { Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import { TranslationBundle } from '@jupyterlab/translation';

import { IDrift, INbrepro, IReproPanel } from '../tokens';
import { driftMessage } from '../vocabulary';

/**
 * Where dismissed drifts are remembered, across reloads.
 */
const STATE_KEY = 'nbrepro:dismissed-drift';

/**
 * The drift toasts, one per change: a (notebook, recorded, kernel) triple is
 * announced once per session; one the user dismissed is not announced again,
 * even after a reload (kept in the state database) until it changes.
 */
export class DriftNotifier {
  constructor(
    private readonly _core: INbrepro,
    private readonly _panel: IReproPanel,
    private readonly _trans: TranslationBundle,
    private readonly _state: IStateDB | null
  ) {
    this._loaded = _state
      ? _state.fetch(STATE_KEY).then(
          value => {
            this._dismissed = Array.isArray(value)
              ? (value as unknown[]).filter(
                  (v): v is string => typeof v === 'string'
                )
              : [];
          },
          () => undefined
        )
      : Promise.resolve();
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
        label: trans.__('Accept'),
        caption: trans.__(
          'Record the kernel’s environment as the one this notebook vouches for'
        ),
        callback: () => {
          this._core.captureOf(notebook)?.accept();
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
      this._dismissed = [...this._dismissed, key].slice(-200);
      void this._state?.save(STATE_KEY, this._dismissed);
    }
  }

  private _loaded: Promise<void>;
  private _dismissed: string[] = [];
  private _announced = new Set<string>();
  private _toasts = new Map<NotebookPanel, string>();
  private _keys = new Map<NotebookPanel, string>();
  private _texts = new Map<
    NotebookPanel,
    { message: string; type: 'error' | 'warning' }
  >();
}
