/**
 * The door: a notebook's metadata.nbrepro (and each cell's) is read here, and
 * only here, into records of the model (./model.ts); what the kernel reports
 * enters here too. It is the twin of python/nbrepro/document.py (read_meta):
 * readNotebookMeta (./metadata.ts) gives the shape, then every snapshot and
 * run record is checked against the JSON Schema (./schemas.ts) and what fails
 * is dropped, each drop named in `problems`. The vectors in
 * test/vectors/metadata whose name holds "read" keep the two sides equal.
 *
 * What leaves the door carries a type only this module makes
 * (NotebookRecord, CellRecord, CollectedRecord): code after the door takes
 * those and checks no shape again; handing it raw JSON is a compile error.
 * A check that seems missing after the door belongs here, with a shared
 * vector. The notebook model's metadata is read and written through
 * readNotebook / readCells / writeRecord, never directly (a lint rule
 * enforces it: eslint.config.mjs).
 */

import { INotebookModel } from '@jupyterlab/notebook';

import {
  applyCollect,
  isId,
  METADATA_KEY,
  prune,
  readCellMeta as readCellShape,
  readCollected as readCollectedShape,
  readNotebookMeta
} from './metadata';
import {
  ICellMeta,
  ICollected,
  IKernelName,
  INotebookMeta,
  IReadResult
} from './model';
import { pruneUntilValid, scrubRun } from './schemas';
import { describeType } from './words';

declare const fromTheDoor: unique symbol;

/** A value the door read. Only this module makes one. */
type Read<T> = T & { readonly [fromTheDoor]: true };

/** metadata.nbrepro of a notebook, read and checked. */
export type NotebookRecord = Read<INotebookMeta>;

/** metadata.nbrepro of one cell, read and checked. */
export type CellRecord = Read<ICellMeta>;

/** One collect of the kernel, read (its environments are checked on merge). */
export type CollectedRecord = Read<ICollected>;

/** How deep metadata.nbrepro may nest before it is not read at all. */
export const MAX_DEPTH = 100;

export function depthExceeds(value: unknown, limit = MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) {
      continue;
    }
    if (depth > limit) {
      return true;
    }
    for (const child of Object.values(item)) {
      if (typeof child === 'object' && child !== null) {
        stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}

// ------------------------------------------------------------ plain JSON

/**
 * metadata.nbrepro made safe to use, and the problems found: what was
 * dropped and why. Never throws; the raw value is not modified.
 */
export function readDocumentMeta(raw: unknown): IReadResult<NotebookRecord> {
  if (depthExceeds(raw)) {
    return {
      value: readNotebookMeta(undefined).value as NotebookRecord,
      problems: [
        `metadata.nbrepro nests deeper than ${MAX_DEPTH} levels; it was not read`
      ]
    };
  }
  const read = readNotebookMeta(raw);
  const problems = [...read.problems];
  // readNotebookMeta shares the raw objects: prune a copy.
  const meta = JSON.parse(JSON.stringify(read.value)) as INotebookMeta;
  for (const id of Object.keys(meta.snapshots)) {
    const record = meta.snapshots[id] as any;
    if (!pruneUntilValid('snapshot', record, `snapshot ${id}`, problems)) {
      delete meta.snapshots[id];
    }
  }
  for (const id of Object.keys(meta.runs)) {
    const run = meta.runs[id] as any;
    if (!pruneUntilValid('run', run, `run ${id}`, problems)) {
      delete meta.runs[id];
      continue;
    }
    scrubRun(run, `run ${id}`, problems);
  }
  if (meta.current !== null && !(meta.current in meta.snapshots)) {
    problems.push(
      'metadata.nbrepro.current named a snapshot that was dropped; cleared'
    );
    meta.current = null;
  }
  return { value: meta as NotebookRecord, problems };
}

/**
 * A cell's metadata.nbrepro; null when absent or malformed.
 */
export function readCellMeta(raw: unknown): CellRecord | null {
  return readCellShape(raw) as CellRecord | null;
}

/** A cell as the door reads it: its type, its source and its nbrepro value. */
export interface ICellInput {
  type: string;
  source: string;
  meta: unknown;
}

/**
 * The records of the code cells with source, in notebook order (null where a
 * cell has none or a malformed one), and a problem for each record the door
 * could not read; cells are numbered as in the notebook, markdown included.
 * The twin of python/nbrepro/record/document.py's code_cells(nb, problems);
 * the vectors in test/vectors/cells keep the two equal.
 */
export function readCellRecords(cells: ICellInput[]): {
  records: (CellRecord | null)[];
  problems: string[];
} {
  const records: (CellRecord | null)[] = [];
  const problems: string[] = [];
  cells.forEach((cell, index) => {
    if (cell.type !== 'code' || !cell.source.trim()) {
      return;
    }
    const record = readCellMeta(cell.meta);
    records.push(record);
    const problem = cellProblem(index + 1, cell.meta, record);
    if (problem) {
      problems.push(problem);
    }
  });
  return { records, problems };
}

function cellProblem(
  number: number,
  raw: unknown,
  record: CellRecord | null
): string | null {
  if (raw === undefined || raw === null) {
    return null;
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return `cell ${number}: metadata.nbrepro is ${describeType(raw)}, not an object; ignored`;
  }
  if (record === null) {
    return `cell ${number}: metadata.nbrepro has no valid env and src ids; ignored`;
  }
  if ('run' in raw && record.run === undefined) {
    return `cell ${number}: metadata.nbrepro.run is not an id; ignored`;
  }
  return null;
}

/**
 * What one collect in the kernel returned (the user's code runs there: it
 * is untrusted input like a file).
 */
export function readCollected(raw: unknown): CollectedRecord {
  return readCollectedShape(raw) as CollectedRecord;
}

// ------------------------------------------------------- the notebook model

/**
 * The notebook's record as its metadata holds it now.
 */
export function readNotebook(
  model: INotebookModel
): IReadResult<NotebookRecord> {
  const read = readDocumentMeta(model.getMetadata(METADATA_KEY));
  const cells: ICellInput[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    cells.push({
      type: cell.type,
      source: cell.sharedModel.getSource(),
      meta: cell.getMetadata(METADATA_KEY)
    });
  }
  const { problems } = readCellRecords(cells);
  return problems.length
    ? { value: read.value, problems: [...read.problems, ...problems] }
    : read;
}

/**
 * Whether the notebook's metadata has an nbrepro key at all.
 */
export function hasRecord(model: INotebookModel): boolean {
  return model.getMetadata(METADATA_KEY) !== undefined;
}

/**
 * One cell of the notebook, in notebook order, with its record.
 */
export interface ICellEntry {
  id: string;
  type: string;
  record: CellRecord | null;
}

export function readCells(model: INotebookModel): ICellEntry[] {
  const cells: ICellEntry[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    cells.push({
      id: cell.id,
      type: cell.type,
      record: readCellMeta(cell.getMetadata(METADATA_KEY))
    });
  }
  return cells;
}

/**
 * Write the notebook's record, and the records of the cells named in
 * `cells` (by cell id), in one transaction.
 */
export function writeRecord(
  model: INotebookModel,
  notebook: NotebookRecord,
  cells: { [cellId: string]: CellRecord } = {}
): void {
  model.sharedModel.transact(() => {
    model.setMetadata(METADATA_KEY, notebook as any);
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      const meta = cells[cell.id];
      if (meta) {
        cell.setMetadata(METADATA_KEY, meta as any);
      }
    }
  });
}

/**
 * Whether a change of the notebook's metadata may concern nbrepro's record
 * (other tools' keys, language_info or widgets, do not).
 */
export function isRecordChange(change?: { key?: string }): boolean {
  return change?.key === undefined || change.key === METADATA_KEY;
}

// ----------------------------------------------- operations on records

/**
 * Fold one collect into a notebook's record (metadata.ts, applyCollect);
 * what the kernel added is checked against the schema like a file's.
 */
export function mergeCollect(
  before: NotebookRecord,
  collected: CollectedRecord,
  capturedAt: string,
  kernel: IKernelName,
  advance: boolean
): {
  notebook: NotebookRecord;
  cells: { [cellId: string]: CellRecord };
  problems: string[];
} {
  const merged = applyCollect(before, collected, capturedAt, kernel, advance);
  const { value, problems } = readDocumentMeta(merged.notebook);
  return {
    notebook: value,
    cells: merged.cells as { [cellId: string]: CellRecord },
    problems
  };
}

/**
 * The record without the snapshots and runs no cell refers to (done on save).
 */
export function pruneRecord(
  notebook: NotebookRecord,
  cells: (CellRecord | null)[]
): NotebookRecord {
  return prune(notebook, cells) as NotebookRecord;
}

/**
 * The record vouching for snapshot `id` (Accept); null when it holds no
 * such snapshot.
 */
export function withCurrent(
  notebook: NotebookRecord,
  id: string
): NotebookRecord | null {
  if (!isId(id) || !(id in notebook.snapshots)) {
    return null;
  }
  return { ...notebook, current: id };
}
