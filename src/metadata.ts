/**
 * nbrepro's notebook metadata: pure functions over plain JSON, with the same
 * meaning as python/nbrepro/notebook.py. Shared vectors in test/vectors/metadata
 * keep the two in agreement.
 *
 * Notebook level, under metadata.nbrepro: the snapshots keyed by content id,
 * the per-run records keyed by content id, and which snapshot is current.
 * Cell level, under each executed cell's metadata.nbrepro: three short ids,
 * because cell metadata travels with every execute request.
 */

export const SCHEMA_VERSION = 1;
export const METADATA_KEY = 'nbrepro';

const ID_PATTERN = /^[0-9a-f]{16}$/;

export type JSONValue =
  string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

export interface IJSONObject {
  [key: string]: JSONValue;
}

export interface ISnapshotRecord {
  environment: IJSONObject;
  captured_at: string;
  engine_version?: string;
  problems?: JSONValue[];
}

export interface INotebookMeta {
  schema_version: number;
  current: string | null;
  snapshots: { [id: string]: ISnapshotRecord };
  runs: { [id: string]: IJSONObject };
  kernel?: { name?: string; language?: string };
  author_order?: IAuthorOrder;
}

/**
 * The author's evidence: the execution counts the notebook carried when
 * `nbrepro run` re-executed it, kept when they showed an order problem.
 */
export interface IAuthorOrder {
  cells: number[];
  counts: (number | null)[];
  finding: 'out-of-order' | 'not-one-pass';
}

export interface ICellMeta {
  env: string;
  run?: string;
  src: string;
}

/**
 * One cell's record as the kernel-side session reports it.
 */
export interface ICollectedCell {
  cell_id: string | null;
  execution_count: number | null;
  success: boolean;
  env: string | null;
  run: string | null;
  src: string;
}

/**
 * What one collect in the kernel returns.
 */
export interface ICollected {
  schema_version: number;
  hooks: boolean;
  engine_version?: string;
  environment_id: string | null;
  environments: { [id: string]: IJSONObject };
  runs: { [id: string]: IJSONObject };
  cells: ICollectedCell[];
  dropped?: number;
  problems?: JSONValue[];
}

export interface IReadResult<T> {
  value: T;
  problems: string[];
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

function isObject(value: unknown): value is IJSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function emptyNotebookMeta(): INotebookMeta {
  return {
    schema_version: SCHEMA_VERSION,
    current: null,
    snapshots: {},
    runs: {}
  };
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

function isProblem(value: unknown): boolean {
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
    environment: value.environment,
    captured_at: value.captured_at
  };
  if (typeof value.engine_version === 'string') {
    record.engine_version = value.engine_version;
  }
  if (Array.isArray(value.problems)) {
    const problems = value.problems.filter(isProblem);
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
    problems.push(`metadata.nbrepro.${name} is not an object; reset`);
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
    problems.push('metadata.nbrepro is not an object; it was reset');
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
      value.runs[id] = item;
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
    const kernel: { name?: string; language?: string } = {};
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

/**
 * Fold one collect into the notebook metadata. Returns the new notebook
 * metadata and the metadata of each cell the collect names, by cell id.
 *
 * `current` follows the kernel when `advance` is true (a headless run that
 * re-runs every cell) or when the notebook had none. JupyterLab passes false:
 * there `current` is the environment the notebook vouches for, which only
 * "Accept current environment" moves, and drift is measured against it.
 */
export function applyCollect(
  before: unknown,
  collected: ICollected,
  capturedAt: string,
  kernel?: { name?: string; language?: string },
  advance = true
): { notebook: INotebookMeta; cells: { [cellId: string]: ICellMeta } } {
  const notebook = readNotebookMeta(before).value;
  if (!isObject(collected)) {
    collected = {} as ICollected;
  }
  const environments = isObject(collected.environments)
    ? collected.environments
    : {};
  const runs = isObject(collected.runs) ? collected.runs : {};
  const records = Array.isArray(collected.cells) ? collected.cells : [];
  const engineVersion =
    typeof collected.engine_version === 'string'
      ? collected.engine_version
      : null;
  for (const [id, environment] of Object.entries(environments)) {
    if (isId(id) && isObject(environment) && !(id in notebook.snapshots)) {
      const record: ISnapshotRecord = { environment, captured_at: capturedAt };
      if (engineVersion !== null) {
        record.engine_version = engineVersion;
      }
      notebook.snapshots[id] = record;
    }
  }
  for (const [id, run] of Object.entries(runs)) {
    if (isId(id) && isObject(run)) {
      notebook.runs[id] = run;
    }
  }
  if (
    isId(collected.environment_id) &&
    collected.environment_id in notebook.snapshots &&
    (advance || notebook.current === null)
  ) {
    notebook.current = collected.environment_id;
  }
  if (isObject(kernel)) {
    const named: { name?: string; language?: string } = {};
    if (typeof kernel.name === 'string') {
      named.name = kernel.name;
    }
    if (typeof kernel.language === 'string') {
      named.language = kernel.language;
    }
    notebook.kernel = named;
  }
  const cells: { [cellId: string]: ICellMeta } = {};
  for (const record of records) {
    if (
      !isObject(record) ||
      typeof record.cell_id !== 'string' ||
      !isId(record.env) ||
      !isId(record.src)
    ) {
      continue;
    }
    const meta: ICellMeta = { env: record.env, src: record.src };
    if (isId(record.run)) {
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
