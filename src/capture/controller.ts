import { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Kernel } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  CaptureError,
  collectInKernel,
  ICollectOptions,
  IEnginePayload,
  ILateCell
} from './kernel';
import {
  CollectedRecord,
  hasRecord,
  ICellEntry,
  isRecordChange,
  mergeCollect,
  NotebookRecord,
  pruneRecord,
  readCells,
  readCollected,
  readNotebook,
  withCurrent,
  writeRecord
} from '../record/document';
import { IReadResult } from '../record/model';
import { driftKey, measureDrift, recordedState } from './drift';
import { CaptureState, ICaptureSettings, IDrift } from '../tokens';

/**
 * How long cells must have stopped finishing before a collect is sent.
 */
const QUIET_MS = 250;

export const DEFAULT_CAPTURE_SETTINGS: ICaptureSettings = {
  enabled: true,
  mode: 'every-run',
  gpu: true,
  recordHostname: false,
  recordPaths: false,
  ignorePackages: []
};

/**
 * Captures a notebook's kernel environment into its metadata: at kernel
 * start and restart, and after cells run. The kernel records each cell
 * itself (per-cell hooks), so one collect covers any number of cells and a
 * Run All costs a couple of silent requests, not one per cell. At most one
 * collect is in flight; requests that arrive meanwhile fold into one more.
 */
export class NotebookCapture implements IDisposable {
  constructor(
    private readonly _panel: NotebookPanel,
    private readonly _engine: () => Promise<IEnginePayload>,
    private readonly _settings: () => ICaptureSettings
  ) {
    const context = _panel.sessionContext;
    context.kernelChanged.connect(this._onKernelChanged, this);
    context.statusChanged.connect(this._onStatusChanged, this);
    _panel.context.saveState.connect(this._onSaveState, this);
    _panel.context.model.metadataChanged.connect(this._onMetadataChanged, this);
    void context.ready.then(() => this.schedule());
  }

  /**
   * The notebook this controller records.
   */
  get panel(): NotebookPanel {
    return this._panel;
  }

  /**
   * Emitted when the notebook's record may have changed (its metadata was
   * edited or written); what the kernel reported and nbrepro holds unwritten
   * changes are announced by stateChanged.
   */
  get recordChanged(): ISignal<this, void> {
    return this._recordChanged;
  }

  get stateChanged(): ISignal<this, CaptureState> {
    return this._stateChanged;
  }

  /**
   * Emitted when the pair (recorded environment, kernel environment) or the
   * ignore patterns change, with the new drift (null: no drift to show).
   */
  get driftChanged(): ISignal<this, IDrift | null> {
    return this._driftChanged;
  }

  get drift(): IDrift | null {
    return this._drift;
  }

  /**
   * Record the kernel's environment as the one this notebook vouches for.
   */
  accept(): void {
    const model = this._panel.content.model;
    const kernelEnv = this._kernelEnv;
    if (!model || !kernelEnv) {
      return;
    }
    const notebook = withCurrent(this._known().value, kernelEnv);
    if (!notebook) {
      return;
    }
    // The user chose: from now on what the kernel reports is written.
    this._held = null;
    this._cellRan = true;
    this._write(notebook);
    this._updateDrift(notebook);
  }

  /**
   * Compare again (the ignore patterns changed).
   */
  refreshDrift(): void {
    if (this._panel.content.model) {
      this._driftKey = '';
      this._updateDrift(this._known().value);
    }
  }

  get state(): CaptureState {
    return this._state;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * A cell of this notebook finished running.
   */
  cellExecuted(cell: ICellModel, success: boolean): void {
    if (cell.type === 'code') {
      this._cellRan = true;
    }
    if (!this._hooksReady && cell.type === 'code') {
      // It ran before the engine's hooks were in the kernel (the user ran
      // it while the kernel was starting): the kernel has no record of it,
      // so the next collect names it.
      this._late.set(cell.id, {
        cell_id: cell.id,
        source: cell.sharedModel.getSource(),
        execution_count: (cell as ICodeCellModel).executionCount ?? null,
        success
      });
    }
    if (this._settings().mode === 'every-run') {
      this._scheduleWhenQuiet();
    }
  }

  /**
   * Collect once cells have stopped finishing for a moment. The kernel has
   * recorded every cell already; collecting in the quiet keeps our silent
   * request out of the way of the user's next cell, and folds a burst of
   * cells into one request.
   */
  private _scheduleWhenQuiet(): void {
    if (this._quietTimer !== null) {
      window.clearTimeout(this._quietTimer);
    }
    this._quietTimer = window.setTimeout(() => {
      this._quietTimer = null;
      this.schedule();
    }, QUIET_MS);
  }

  /**
   * Ask for a collect; coalesced with any that is pending.
   */
  schedule(): void {
    if (this._isDisposed) {
      return;
    }
    if (!this._settings().enabled) {
      this._setState({ kind: 'off' });
      return;
    }
    if (this._inFlight) {
      this._pending = true;
      return;
    }
    void this._run();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._quietTimer !== null) {
      window.clearTimeout(this._quietTimer);
    }
    Signal.clearData(this);
  }

  private async _run(): Promise<void> {
    this._inFlight = true;
    this._pending = false;
    const generation = this._generation;
    try {
      const kernel = this._panel.sessionContext.session?.kernel;
      if (!kernel) {
        this._setState({ kind: 'waiting' });
        return;
      }
      const language = await this._language(kernel);
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
      if (language !== 'python') {
        this._setState({ kind: 'unsupported', language });
        return;
      }
      if (this._state.kind !== 'recorded') {
        this._setState({ kind: 'capturing' });
      }
      const engine = await this._engine();
      const late = [...this._late.values()];
      let collected = readCollected(
        await collectInKernel(kernel, engine, {
          ...this._options(),
          late_cells: late
        })
      );
      if (generation === this._generation) {
        for (const cell of late) {
          this._late.delete(cell.cell_id);
        }
        this._hooksReady = collected.hooks;
      }
      // A cell may point at an environment this notebook does not hold yet
      // (the kernel sent it to an earlier collect whose result was
      // discarded): ask for it by id.
      const missing = this._missingEnvironments(collected);
      if (missing.length > 0) {
        const again = readCollected(
          await collectInKernel(kernel, engine, {
            ...this._options(),
            want_environments: missing
          })
        );
        collected = {
          ...collected,
          environments: { ...collected.environments, ...again.environments },
          cells: [...collected.cells, ...again.cells],
          runs: { ...collected.runs, ...again.runs }
        };
      }
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
      this._apply(collected, kernel);
    } catch (error) {
      if (error instanceof CaptureError && error.retryable) {
        this._pending = true;
      } else if (!this._isDisposed) {
        this._setState({
          kind: 'failed',
          reason: String((error as Error)?.message ?? error)
        });
      }
    } finally {
      this._inFlight = false;
      if (this._pending && !this._isDisposed) {
        this.schedule();
      }
    }
  }

  private _options(): ICollectOptions {
    const settings = this._settings();
    return {
      gpu: settings.gpu,
      record_hostname: settings.recordHostname,
      record_paths: settings.recordPaths,
      // The whole environment travels only on the first collect of a
      // kernel; later ones carry environments the kernel saw change, and any
      // the notebook lacks is asked for by id (want_environments).
      include_environment: !this._hooksReady
    };
  }

  private async _language(kernel: Kernel.IKernelConnection): Promise<string> {
    const cached = this._languages.get(kernel.id);
    if (cached) {
      return cached;
    }
    const info = await kernel.info;
    const language = String(info?.language_info?.name ?? '').toLowerCase();
    this._languages.set(kernel.id, language);
    return language;
  }

  private _missingEnvironments(collected: CollectedRecord): string[] {
    if (!this._panel.content.model) {
      return [];
    }
    const have = this._known().value.snapshots;
    const wanted = new Set<string>();
    for (const cell of collected.cells) {
      if (
        cell.env &&
        !(cell.env in have) &&
        !(cell.env in collected.environments)
      ) {
        wanted.add(cell.env);
      }
    }
    const current = collected.environment_id;
    if (current && !(current in have) && !(current in collected.environments)) {
      wanted.add(current);
    }
    return [...wanted];
  }

  private _apply(
    collected: CollectedRecord,
    kernel: Kernel.IKernelConnection
  ): void {
    const model = this._panel.content.model;
    if (!model) {
      return;
    }
    // Only this notebook's cells: a console (or another notebook) sharing
    // the kernel gets records too, without this notebook's cell ids, and
    // what they imported is not this notebook's.
    const ids = new Set<string>();
    for (let i = 0; i < model.cells.length; i++) {
      ids.add(model.cells.get(i).id);
    }
    const own = collected.cells.filter(
      record => record.cell_id !== null && ids.has(record.cell_id)
    );
    const ownRuns = new Set(own.map(record => record.run));
    const runs: CollectedRecord['runs'] = {};
    for (const [id, run] of Object.entries(collected.runs)) {
      if (ownRuns.has(id)) {
        runs[id] = run;
      }
    }
    collected = { ...collected, cells: own, runs };
    if (own.length > 0) {
      this._cellRan = true;
    }
    const before = this._known();
    const { notebook, cells, problems } = mergeCollect(
      before.value,
      collected,
      new Date().toISOString(),
      { name: kernel.name, language: 'python' },
      // `current` is what the notebook vouches for: only Accept moves it.
      false
    );
    if (collected.environment_id !== null) {
      this._kernelEnv = collected.environment_id;
    }
    if (!this._cellRan) {
      // Opening a notebook, starting or switching its kernel: nothing of it
      // ran, so nothing is written (the file stays byte-identical and the
      // tab clean). What the kernel reported is kept here, for the panel and
      // the drift, and written with the first cell that runs or on Accept.
      this._held = {
        value: notebook,
        problems: [...before.problems, ...problems]
      };
    } else {
      this._held = null;
      this._write(notebook, cells);
    }
    if (!notebook.current && !this._kernelEnv) {
      this._setState({
        kind: 'failed',
        reason:
          collected.problems?.[0]?.message ??
          'the kernel returned no environment'
      });
      return;
    }
    this._updateDrift(notebook);
  }

  /**
   * What nbrepro knows of this notebook, read at the door: what a collect
   * gathered and is not written yet (nothing of it ran), else the notebook's
   * metadata (read again only after it changed).
   */
  private _known(): IReadResult<NotebookRecord> {
    return this._held ?? this._fileRead();
  }

  /**
   * The notebook's metadata, read at the door once after each change.
   */
  private _fileRead(): IReadResult<NotebookRecord> {
    if (!this._file) {
      this._file = readNotebook(this._panel.context.model);
    }
    return this._file;
  }

  private _write(
    notebook: NotebookRecord,
    cells: Parameters<typeof writeRecord>[2] = {}
  ): void {
    const model = this._panel.context.model;
    writeRecord(model, notebook, cells);
    // What was written went through the door: no need to read it again.
    this._file = { value: notebook, problems: [] };
  }

  /**
   * Whether the notebook itself records an environment (in its metadata,
   * not only in what nbrepro holds since its kernel started).
   */
  get isRecorded(): boolean {
    return (
      !!this._panel.content.model && this._fileRead().value.current !== null
    );
  }

  /**
   * The record as nbrepro sees it now (written or held), or null when the
   * notebook has no model.
   */
  get record(): NotebookRecord | null {
    return this._panel.content.model ? this._known().value : null;
  }

  /**
   * What the door dropped from the record shown, and why.
   */
  get problems(): string[] {
    return this._panel.content.model ? this._known().problems : [];
  }

  /**
   * The notebook's cells with their records, in notebook order.
   */
  cells(): ICellEntry[] {
    return readCells(this._panel.context.model);
  }

  /**
   * Diff the recorded environment against the kernel's, when that pair (or
   * the ignore patterns) changed since the last time; update the state.
   */
  private _updateDrift(notebook: NotebookRecord): void {
    const state = recordedState(notebook, this._kernelEnv, this._drift);
    if (state.kind === 'failed') {
      this._setState(state);
      return;
    }
    const ignore = this._settings().ignorePackages;
    const key = driftKey(notebook, this._kernelEnv, ignore);
    if (key !== this._driftKey) {
      this._driftKey = key;
      this._drift = measureDrift(
        notebook,
        this._kernelEnv,
        ignore,
        this._panel.context.path
      );
      this._driftChanged.emit(this._drift);
    }
    this._setState(recordedState(notebook, this._kernelEnv, this._drift));
  }

  private _onKernelChanged(): void {
    this._generation += 1;
    this._kernelEnv = null;
    this._hooksReady = false;
    this._late.clear();
    this._languages.clear();
    void this._panel.sessionContext.ready.then(() => this.schedule());
  }

  private _onStatusChanged(_: unknown, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting') {
      this._generation += 1;
      this._hooksReady = false;
      this._late.clear();
      this._restarting = true;
    } else if (status === 'idle' && this._restarting) {
      this._restarting = false;
      this.schedule();
    }
  }

  private _onSaveState(_: unknown, state: string): void {
    if (state !== 'started') {
      return;
    }
    const model = this._panel.context.model;
    if (!this._panel.content.model || !hasRecord(model)) {
      return;
    }
    const cells = readCells(model).map(cell => cell.record);
    this._write(pruneRecord(this._fileRead().value, cells));
  }

  private _onMetadataChanged(_: unknown, change: { key?: string }): void {
    if (isRecordChange(change)) {
      this._file = null;
      this._recordChanged.emit();
    }
  }

  private _setState(state: CaptureState): void {
    this._state = state;
    this._stateChanged.emit(state);
  }

  private _state: CaptureState = { kind: 'waiting' };
  private _driftChanged = new Signal<this, IDrift | null>(this);
  private _drift: IDrift | null = null;
  private _driftKey = '';
  private _kernelEnv: string | null = null;
  private _stateChanged = new Signal<this, CaptureState>(this);
  private _inFlight = false;
  private _pending = false;
  private _restarting = false;
  private _generation = 0;
  private _languages = new Map<string, string>();
  private _isDisposed = false;
  private _hooksReady = false;
  private _quietTimer: number | null = null;
  private _late = new Map<string, ILateCell>();
  private _held: IReadResult<NotebookRecord> | null = null;
  private _file: IReadResult<NotebookRecord> | null = null;
  private _recordChanged = new Signal<this, void>(this);
  private _cellRan = false;
}
