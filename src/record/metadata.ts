/**
 * nbrepro's notebook metadata, the shape half of the door and the model's
 * operations: pure functions over plain JSON, with the same meaning as
 * python/nbrepro/notebook.py (read_metadata, apply_collect, prune). Shared
 * vectors in test/vectors/metadata keep the two in agreement.
 *
 * Only the door (./document.ts) calls the readers here; applyCollect and
 * prune take what the door read and check nothing again.
 */

import { describeType } from './words';
import {
  emptyNotebookMeta,
  IAuthorOrder,
  ICellMeta,
  ICollected,
  ICollectedCell,
  IEnvironment,
  IJSONObject,
  IKernelName,
  INotebookMeta,
  IProbeProblem,
  IReadResult,
  IRunRecord,
  ISnapshotRecord,
  SCHEMA_VERSION
} from './model';

export const METADATA_KEY = 'nbrepro';

const ID_PATTERN = /^[0-9a-f]{16}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

function isObject(value: unknown): value is IJSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// What a notebook may carry before we stop reading (an untrusted file);
// the same limits as python/nbrepro/notebook.py.
export const MAX_SNAPSHOTS = 256;
export const MAX_RUNS = 20000;
const KNOWN_KEYS = [
  'schema_version',
  'current',
  'snapshots',
  'runs',
  'kernel',
  'author_order'
];
const ORDER_KINDS = ['out-of-order', 'not-one-pass'];
const MAX_ORDER_CELLS = 10000;

/**
 * A copy of a valid author_order, or null (notebook.read_author_order in Python).
 */
export function readAuthorOrder(value: unknown): IAuthorOrder | null {
  if (!isObject(value)) {
    return null;
  }
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== 'cells,counts,finding') {
    return null;
  }
  const { cells, counts, finding } = value;
  if (typeof finding !== 'string' || !ORDER_KINDS.includes(finding)) {
    return null;
  }
  if (
    !Array.isArray(cells) ||
    !Array.isArray(counts) ||
    cells.length !== counts.length ||
    cells.length > MAX_ORDER_CELLS
  ) {
    return null;
  }
  if (!cells.every(n => Number.isInteger(n) && (n as number) >= 1)) {
    return null;
  }
  if (
    !counts.every(
      c => c === null || (Number.isInteger(c) && (c as number) >= 0)
    )
  ) {
    return null;
  }
  return {
    cells: [...(cells as number[])],
    counts: [...(counts as (number | null)[])],
    finding: finding as IAuthorOrder['finding']
  };
}

function short(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text);
}

function isProblem(value: unknown): value is IProbeProblem {
  if (!isObject(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return (
    typeof value.probe === 'string' &&
    typeof value.message === 'string' &&
    keys.every(key => key === 'probe' || key === 'message' || key === 'path') &&
    (value.path === undefined || typeof value.path === 'string')
  );
}

function readSnapshot(value: unknown): ISnapshotRecord | null {
  if (
    !isObject(value) ||
    !isObject(value.environment) ||
    typeof value.captured_at !== 'string'
  ) {
    return null;
  }
  const record: ISnapshotRecord = {
    // The shape only: the schema step (./schemas.ts) checks the rest before
    // a record leaves the door.
    environment: value.environment as unknown as IEnvironment,
    captured_at: value.captured_at
  };
  if (typeof value.engine_version === 'string') {
    record.engine_version = value.engine_version;
  }
  if (Array.isArray(value.problems)) {
    const problems = (value.problems as unknown[]).filter(isProblem);
    if (problems.length > 0) {
      record.problems = problems;
    }
  }
  return record;
}

function entries(
  value: unknown,
  name: string,
  limit: number,
  problems: string[]
): [string, unknown][] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!isObject(value)) {
    problems.push(
      `metadata.nbrepro.${name} is ${describeType(value)}, not an object; reset`
    );
    return [];
  }
  const out: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (!isId(key)) {
      problems.push(
        `metadata.nbrepro.${name} has a bad id ${short(key)}; dropped`
      );
      continue;
    }
    if (out.length >= limit) {
      problems.push(
        `metadata.nbrepro.${name} has more than ${limit} entries; the rest were dropped`
      );
      break;
    }
    out.push([key, item]);
  }
  return out;
}

/**
 * Read metadata.nbrepro of a notebook, which is untrusted input: anything
 * malformed is dropped and named in `problems`, never thrown. The same rules
 * as read_metadata in python/nbrepro/notebook.py.
 */
export function readNotebookMeta(raw: unknown): IReadResult<INotebookMeta> {
  const problems: string[] = [];
  const value = emptyNotebookMeta();
  if (raw === undefined || raw === null) {
    return { value, problems };
  }
  if (!isObject(raw)) {
    problems.push(
      `metadata.nbrepro is ${describeType(raw)}, not an object; it was reset`
    );
    return { value, problems };
  }
  const version = raw.schema_version;
  if (version !== SCHEMA_VERSION) {
    problems.push(
      `metadata.nbrepro has schema_version ${short(version)}, this nbrepro reads ${SCHEMA_VERSION}`
    );
    if (typeof version === 'number' && version > 1) {
      // A newer nbrepro wrote it: keep nothing rather than misread it.
      return { value, problems };
    }
  }
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) {
      problems.push(`metadata.nbrepro.${key} is not an nbrepro key; dropped`);
    }
  }
  for (const [id, item] of entries(
    raw.snapshots,
    'snapshots',
    MAX_SNAPSHOTS,
    problems
  )) {
    const record = readSnapshot(item);
    if (record) {
      value.snapshots[id] = record;
    } else {
      problems.push(`snapshot ${id} is not a valid snapshot; dropped`);
    }
  }
  for (const [id, item] of entries(raw.runs, 'runs', MAX_RUNS, problems)) {
    if (isObject(item)) {
      value.runs[id] = item as IRunRecord; // the schema step checks it
    } else {
      problems.push(`run ${id} is not an object; dropped`);
    }
  }
  if (isId(raw.current) && raw.current in value.snapshots) {
    value.current = raw.current;
  } else if (raw.current !== undefined && raw.current !== null) {
    problems.push(
      'metadata.nbrepro.current names no recorded snapshot; cleared'
    );
  }
  if (isObject(raw.kernel)) {
    const kernel: IKernelName = {};
    if (typeof raw.kernel.name === 'string') {
      kernel.name = raw.kernel.name;
    }
    if (typeof raw.kernel.language === 'string') {
      kernel.language = raw.kernel.language;
    }
    value.kernel = kernel;
  } else if (raw.kernel !== undefined) {
    problems.push('metadata.nbrepro.kernel is not an object; dropped');
  }
  if ('author_order' in raw) {
    const order = readAuthorOrder(raw.author_order);
    if (order) {
      value.author_order = order;
    } else {
      problems.push('metadata.nbrepro.author_order is not valid; dropped');
    }
  }
  return { value, problems };
}

/**
 * Read a cell's metadata.nbrepro; null when absent or malformed.
 */
export function readCellMeta(raw: unknown): ICellMeta | null {
  if (!isObject(raw) || !isId(raw.env) || !isId(raw.src)) {
    return null;
  }
  const meta: ICellMeta = { env: raw.env, src: raw.src };
  if (isId(raw.run)) {
    meta.run = raw.run;
  }
  return meta;
}

function idOrNull(value: unknown): string | null {
  return isId(value) ? value : null;
}

/**
 * What one collect in the kernel returned (untrusted: the user's code runs
 * in that kernel), in the shape applyCollect takes: ids that are ids,
 * environments and runs that are objects, cell records that are objects.
 * The environments and runs are checked against the schema when the door
 * merges them (document.ts, mergeCollect). Never throws.
 */
export function readCollected(raw: unknown): ICollected {
  const collected = isObject(raw) ? raw : {};
  const out: ICollected = {
    schema_version:
      typeof collected.schema_version === 'number'
        ? collected.schema_version
        : SCHEMA_VERSION,
    hooks: collected.hooks === true,
    environment_id: idOrNull(collected.environment_id),
    environments: {},
    runs: {},
    cells: []
  };
  if (typeof collected.engine_version === 'string') {
    out.engine_version = collected.engine_version;
  }
  const environments = isObject(collected.environments)
    ? collected.environments
    : {};
  for (const [id, environment] of Object.entries(environments)) {
    if (isId(id) && isObject(environment)) {
      out.environments[id] = environment as unknown as IEnvironment;
    }
  }
  const runs = isObject(collected.runs) ? collected.runs : {};
  for (const [id, run] of Object.entries(runs)) {
    if (isId(id) && isObject(run)) {
      out.runs[id] = run as IRunRecord;
    }
  }
  for (const record of Array.isArray(collected.cells) ? collected.cells : []) {
    if (!isObject(record)) {
      continue;
    }
    const cell: ICollectedCell = {
      cell_id: typeof record.cell_id === 'string' ? record.cell_id : null,
      execution_count:
        typeof record.execution_count === 'number'
          ? record.execution_count
          : null,
      success: record.success === true,
      env: idOrNull(record.env),
      run: idOrNull(record.run),
      src: idOrNull(record.src)
    };
    out.cells.push(cell);
  }
  if (Array.isArray(collected.problems)) {
    out.problems = (collected.problems as unknown[]).filter(isProblem);
  }
  return out;
}

/**
 * Fold one collect into the notebook metadata. Returns the new notebook
 * metadata and the metadata of each cell the collect names, by cell id.
 * Both arguments come read (readNotebookMeta, readCollected).
 *
 * `current` follows the kernel when `advance` is true (a headless run that
 * re-runs every cell) or when the notebook had none. JupyterLab passes false:
 * there `current` is the environment the notebook vouches for, which only
 * "Accept current environment" moves, and drift is measured against it.
 */
export function applyCollect(
  before: INotebookMeta,
  collected: ICollected,
  capturedAt: string,
  kernel?: IKernelName,
  advance = true
): { notebook: INotebookMeta; cells: { [cellId: string]: ICellMeta } } {
  const notebook: INotebookMeta = {
    ...before,
    snapshots: { ...before.snapshots },
    runs: { ...before.runs }
  };
  for (const [id, environment] of Object.entries(collected.environments)) {
    if (!(id in notebook.snapshots)) {
      const record: ISnapshotRecord = { environment, captured_at: capturedAt };
      if (collected.engine_version !== undefined) {
        record.engine_version = collected.engine_version;
      }
      notebook.snapshots[id] = record;
    }
  }
  Object.assign(notebook.runs, collected.runs);
  const current = collected.environment_id;
  if (
    current !== null &&
    current in notebook.snapshots &&
    (advance || notebook.current === null)
  ) {
    notebook.current = current;
  }
  if (isObject(kernel)) {
    const named: IKernelName = {};
    if (typeof kernel.name === 'string') {
      named.name = kernel.name;
    }
    if (typeof kernel.language === 'string') {
      named.language = kernel.language;
    }
    notebook.kernel = named;
  }
  const cells: { [cellId: string]: ICellMeta } = {};
  for (const record of collected.cells) {
    if (record.cell_id === null || record.env === null || record.src === null) {
      continue;
    }
    const meta: ICellMeta = { env: record.env, src: record.src };
    if (record.run !== null) {
      meta.run = record.run;
    }
    cells[record.cell_id] = meta;
  }
  return { notebook, cells };
}

/**
 * Drop snapshots that no cell and not `current` refers to, and run records no
 * cell refers to. Done on save, so that a notebook carries only what explains
 * its cells.
 */
export function prune(
  notebook: INotebookMeta,
  cellMetas: (ICellMeta | null)[]
): INotebookMeta {
  const envs = new Set<string>();
  const runs = new Set<string>();
  for (const meta of cellMetas) {
    if (meta) {
      envs.add(meta.env);
      if (meta.run) {
        runs.add(meta.run);
      }
    }
  }
  if (notebook.current) {
    envs.add(notebook.current);
  }
  const snapshots: INotebookMeta['snapshots'] = {};
  for (const [id, record] of Object.entries(notebook.snapshots)) {
    if (envs.has(id)) {
      snapshots[id] = record;
    }
  }
  const keptRuns: INotebookMeta['runs'] = {};
  for (const [id, record] of Object.entries(notebook.runs)) {
    if (runs.has(id)) {
      keptRuns[id] = record;
    }
  }
  return { ...notebook, snapshots, runs: keptRuns };
}
