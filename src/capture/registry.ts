import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IEnginePayload } from './kernel';
import { ISignal, Signal } from '@lumino/signaling';

import { ICaptureSettings } from '../tokens';
import { NotebookCapture } from './controller';

/**
 * One capture controller per notebook the tracker holds: made when the
 * notebook opens, told when one of its cells ran, disposed with it.
 */
export class CaptureRegistry {
  constructor(
    tracker: INotebookTracker,
    private readonly _engine: () => Promise<IEnginePayload>,
    private readonly _settings: () => ICaptureSettings
  ) {
    tracker.widgetAdded.connect(this._onAdded, this);
    NotebookActions.executed.connect((_, { notebook, cell, success }) => {
      const panel = tracker.find(candidate => candidate.content === notebook);
      this.captureOf(panel)?.cellExecuted(cell.model, success);
    }, this);
  }

  /** Emitted when a notebook gets its controller. */
  get added(): ISignal<this, NotebookCapture> {
    return this._added;
  }

  captureOf(panel: NotebookPanel | null | undefined): NotebookCapture | null {
    return panel ? (this._captures.get(panel) ?? null) : null;
  }

  /** The controllers, in the order their notebooks opened. */
  captures(): NotebookCapture[] {
    return [...this._captures.values()];
  }

  private _onAdded(_: unknown, panel: NotebookPanel): void {
    const capture = new NotebookCapture(panel, this._engine, this._settings);
    this._captures.set(panel, capture);
    panel.disposed.connect(() => {
      this._captures.delete(panel);
      capture.dispose();
    }, this);
    this._added.emit(capture);
  }

  private _captures = new Map<NotebookPanel, NotebookCapture>();
  private _added = new Signal<this, NotebookCapture>(this);
}
