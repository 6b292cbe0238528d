/**
 * Verify for one notebook: start a run on the server, follow it, cancel it,
 * keep its result for the panel and the cell marks. The run re-executes the
 * notebook as saved, in a fresh kernel on the server: this never touches the
 * user's kernel or the notebook's model.
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { RequestError } from '../server/api';
import {
  cancelVerify,
  IVerifyCell,
  IVerifyJob,
  startVerify,
  verifyJob
} from '../server/verify';

/**
 * How often a running verify is asked where it stands.
 */
const POLL_MS = 400;

export type VerifyState =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | { kind: 'running'; job: IVerifyJob; cancelling: boolean }
  | { kind: 'finished'; job: IVerifyJob }
  | { kind: 'refused'; message: string };

export class NotebookVerify implements IDisposable {
  constructor(
    readonly panel: NotebookPanel,
    private readonly _server: ServerConnection.ISettings,
    private readonly _localPath: (path: string) => string
  ) {}

  get state(): VerifyState {
    return this._state;
  }

  get changed(): ISignal<this, VerifyState> {
    return this._changed;
  }

  /**
   * Whether the notebook had unsaved changes when the run started: the run
   * verifies the file as saved, without them.
   */
  get unsaved(): boolean {
    return this._unsaved;
  }

  get isRunning(): boolean {
    return this._state.kind === 'starting' || this._state.kind === 'running';
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Start a run, unless one is going on.
   */
  async start(): Promise<void> {
    if (this.isRunning || this._isDisposed) {
      return;
    }
    this._unsaved = this.panel.context.model.dirty;
    this._set({ kind: 'starting' });
    const kernel = this.panel.sessionContext.session?.kernel?.name ?? null;
    let job: IVerifyJob;
    try {
      job = await startVerify(
        this._server,
        this._localPath(this.panel.context.path),
        kernel
      );
    } catch (error) {
      this._set({ kind: 'refused', message: messageOf(error) });
      return;
    }
    this._follow(job);
  }

  /**
   * Stop the run going on (its kernel is shut down on the server).
   */
  async cancel(): Promise<void> {
    const state = this._state;
    if (state.kind !== 'running' || state.cancelling) {
      return;
    }
    this._set({ ...state, cancelling: true });
    try {
      this._follow(await cancelVerify(this._server, state.job.id));
    } catch (error) {
      this._set({ kind: 'refused', message: messageOf(error) });
    }
  }

  /**
   * Forget the last result (its marks go away).
   */
  clear(): void {
    if (!this.isRunning) {
      this._set({ kind: 'idle' });
    }
  }

  /**
   * The result of the cell with `id` (or at `index`, for a notebook whose
   * cells have no ids), from the last finished run.
   */
  resultFor(id: string, index: number): IVerifyCell | null {
    const state = this._state;
    const report = state.kind === 'finished' ? state.job.report : null;
    if (!report) {
      return null;
    }
    return (
      report.cells.find(cell =>
        cell.id !== null ? cell.id === id : cell.cell === index + 1
      ) ?? null
    );
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearTimeout(this._timer);
    const state = this._state;
    if (state.kind === 'running' && !state.cancelling) {
      // The notebook closed: its run is of no use any more.
      void cancelVerify(this._server, state.job.id).catch(() => undefined);
    }
    Signal.clearData(this);
  }

  private _follow(job: IVerifyJob): void {
    window.clearTimeout(this._timer);
    if (this._isDisposed) {
      return;
    }
    if (job.state !== 'running') {
      this._set({ kind: 'finished', job });
      return;
    }
    const cancelling = this._state.kind === 'running' && this._state.cancelling;
    this._set({ kind: 'running', job, cancelling });
    this._timer = window.setTimeout(() => void this._poll(job.id), POLL_MS);
  }

  private async _poll(id: string): Promise<void> {
    try {
      this._follow(await verifyJob(this._server, id));
    } catch (error) {
      if (error instanceof RequestError && error.status === 0) {
        // The server did not answer this once: ask again.
        this._timer = window.setTimeout(() => void this._poll(id), POLL_MS);
        return;
      }
      this._set({ kind: 'refused', message: messageOf(error) });
    }
  }

  private _set(state: VerifyState): void {
    if (this._isDisposed) {
      return;
    }
    this._state = state;
    this._changed.emit(state);
  }

  private _state: VerifyState = { kind: 'idle' };
  private _changed = new Signal<this, VerifyState>(this);
  private _timer = 0;
  private _unsaved = false;
  private _isDisposed = false;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One NotebookVerify per open notebook, made when first asked for and
 * disposed with its notebook.
 */
export class VerifyRegistry {
  constructor(
    private readonly _tracker: INotebookTracker,
    private readonly _server: ServerConnection.ISettings,
    private readonly _localPath: (path: string) => string
  ) {}

  get added(): ISignal<this, NotebookVerify> {
    return this._added;
  }

  of(panel: NotebookPanel): NotebookVerify {
    let verify = this._verifies.get(panel);
    if (!verify) {
      verify = new NotebookVerify(panel, this._server, this._localPath);
      this._verifies.set(panel, verify);
      const made = verify;
      panel.disposed.connect(() => {
        this._verifies.delete(panel);
        made.dispose();
      });
      this._added.emit(verify);
    }
    return verify;
  }

  /** The verify of the notebook the user works in, if one is open. */
  current(): NotebookVerify | null {
    const panel = this._tracker.currentWidget;
    return panel ? this.of(panel) : null;
  }

  private _verifies = new Map<NotebookPanel, NotebookVerify>();
  private _added = new Signal<this, NotebookVerify>(this);
}
