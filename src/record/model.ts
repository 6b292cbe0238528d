/**
 * The model: what a notebook's metadata.nbrepro holds, as TypeScript types.
 * The JSON Schema (schema/notebook.schema.json, schema/snapshot.schema.json)
 * says the same thing; the door (./document.ts) reads untrusted JSON into
 * these types, and code after the door relies on them without checking
 * again. Only the fields the front end reads are spelled out; the rest of a
 * record travels as it was read (the raw JSON view shows it).
 *
 * Notebook level, under metadata.nbrepro: the snapshots keyed by content id,
 * the per-run records keyed by content id, and which snapshot is current.
 * Cell level, under each executed cell's metadata.nbrepro: three short ids,
 * because cell metadata travels with every execute request.
 */

export const SCHEMA_VERSION = 1;

export type JSONValue =
  string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

export interface IJSONObject {
  [key: string]: JSONValue;
}

/** schema: snapshot.schema.json#/$defs/python (what the panel reads). */
export interface IPythonFacts {
  version: string | null;
  implementation: string | null;
  executable_kind: 'venv' | 'conda' | 'system';
  prefix: string;
  base_prefix?: string;
  executable?: string;
}

/** schema: snapshot.schema.json#/$defs/platform. */
export interface IPlatformFacts {
  system: string;
  release: string;
  machine: string;
  libc: { name: string; version: string | null } | null;
  os?: { id?: string; version_id?: string; pretty_name?: string };
}

/** schema: snapshot.schema.json#/$defs/gpu/$defs/device. */
export interface IGpuDevice {
  name: string | null;
  memory_total_mib: number | null;
}

/** schema: snapshot.schema.json#/$defs/gpu. */
export interface IGpuFacts {
  driver_version: string | null;
  cuda_driver_version: string | null;
  devices: IGpuDevice[];
}

/** What a conda record's string leaves out (schema: conda.overrides). */
export interface ICondaOverride {
  name?: string | null;
  version?: string | null;
  build?: string | null;
  channel?: string | null;
}

/** schema: snapshot.schema.json#/$defs/conda_behaviour. */
export interface ICondaBehaviour {
  /** The release line whose rules the conda files follow. */
  conda: '24.11' | '25.7' | '26.7';
  source: string;
  version: string | null;
  root?: string | null;
  subdir?: string;
}

/** schema: snapshot.schema.json#/$defs/conda (what the front end reads). */
export interface ICondaFacts {
  prefix: string;
  channels: string[];
  /** Which conda the conda files are written for, and why. */
  behaviour?: ICondaBehaviour;
  history?: { conda_version?: string | null };
  /** `<channel key>/<subdir>/<fn>#<hash>`, one per conda-meta record. */
  packages: string[];
  overrides?: { [index: string]: ICondaOverride };
}

/** schema: snapshot.schema.json#/$defs/direct_url (PEP 610). */
export interface IDirectUrl {
  url: string;
  vcs_info?: { vcs?: string; commit_id?: string };
  dir_info?: { editable?: boolean };
}

/** schema: snapshot.schema.json#/$defs/pip_distribution. */
export interface IDistribution {
  name: string;
  version: string;
  installer?: string | null;
  location?: 'user' | 'outside';
  source?: IDirectUrl;
  shadowed_by?: number;
}

/** schema: snapshot.schema.json#/$defs/environment, the stored form. */
export interface IEnvironment {
  python: IPythonFacts;
  platform: IPlatformFacts;
  conda: ICondaFacts | null;
  pip: { distributions: IDistribution[] };
  gpu?: IGpuFacts;
}

/** schema: snapshot.schema.json#/$defs/problem. */
export interface IProbeProblem {
  probe: string;
  message: string;
  path?: string;
}

export interface ISnapshotRecord {
  environment: IEnvironment;
  captured_at: string;
  engine_version?: string;
  problems?: IProbeProblem[];
}

/** One argument of a seeding call (schema: seeds/$defs/value). */
export type SeedValue =
  | { literal: JSONValue }
  | { name: string; value_at_capture: JSONValue }
  | { source: string };

/** schema: seeds/$defs/call. */
export type SeedCall =
  | { kind: 'call'; func: string; args: SeedValue[] }
  | { kind: 'keyword'; func: string; keyword: string; value: SeedValue }
  | { kind: 'flag'; func: string; value: SeedValue }
  | {
      kind: 'env';
      func: 'os.environ';
      name: string;
      value: SeedValue;
      effective?: false;
    };

/** schema: snapshot.schema.json#/$defs/seeds. */
export interface ISeeds {
  calls: SeedCall[];
  recovered: { [name: string]: JSONValue };
  status: 'seeded' | 'unseeded' | 'unknown';
  seeded_earlier_by?: string[];
}

/** A module loaded before an install changed it: runtime.stale's values. */
export interface IStaleModule {
  distribution: string;
  /** The version the kernel runs. */
  loaded: string;
  /** The version installed now; null: uninstalled. */
  installed: string | null;
}

/** A run record: schema: snapshot.schema.json#/$defs/runtime. */
export interface IRunRecord {
  seeds?: ISeeds;
  determinism?: IJSONObject;
  /** Imported module -> the distribution(s) providing it. */
  modules?: { [module: string]: string | string[] | null };
  /** Modules the kernel kept from before an install (no restart since). */
  stale?: { [module: string]: IStaleModule };
  frameworks?: IJSONObject;
  inputs?: IJSONObject;
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

export interface IKernelName {
  name?: string;
  language?: string;
}

export interface INotebookMeta {
  schema_version: number;
  current: string | null;
  snapshots: { [id: string]: ISnapshotRecord };
  runs: { [id: string]: IRunRecord };
  kernel?: IKernelName;
  author_order?: IAuthorOrder;
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
  /** null: a cell without an id (a console's). */
  cell_id: string | null;
  execution_count: number | null;
  success: boolean;
  env: string | null;
  run: string | null;
  /** null: a cell without source. */
  src: string | null;
}

/**
 * What one collect in the kernel returns, once read at the door: only well
 * formed ids, environments and runs, and cells that name a cell.
 */
export interface ICollected {
  schema_version: number;
  hooks: boolean;
  engine_version?: string;
  environment_id: string | null;
  environments: { [id: string]: IEnvironment };
  runs: { [id: string]: IRunRecord };
  cells: ICollectedCell[];
  dropped?: number;
  problems?: IProbeProblem[];
}

export interface IReadResult<T> {
  value: T;
  problems: string[];
}

export function emptyNotebookMeta(): INotebookMeta {
  return {
    schema_version: SCHEMA_VERSION,
    current: null,
    snapshots: {},
    runs: {}
  };
}
