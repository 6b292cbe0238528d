/**
 * The client of the server part's verify runs (python/nbrepro/server/jobs.py):
 * start one, ask where it stands, cancel it. The server re-runs the notebook
 * as saved in a fresh kernel of its kernelspec and compares each cell with
 * nbrepro verify's own code; the user's kernel and the file are left alone.
 *
 * The replies are read here (readVerifyJob) into the types below, and code
 * after this reads no raw JSON.
 */
import { ServerConnection } from '@jupyterlab/services';

import { RequestError, requestAPI } from './api';

export type VerifyStatus =
  'same' | 'different' | 'error' | 'not recorded' | 'not run';

export const VERIFY_STATUSES: VerifyStatus[] = [
  'same',
  'different',
  'error',
  'not recorded',
  'not run'
];

export type VerifyJobState =
  'running' | 'done' | 'failed' | 'cancelled' | 'timed out';

const JOB_STATES: VerifyJobState[] = [
  'running',
  'done',
  'failed',
  'cancelled',
  'timed out'
];

/**
 * Where a cell's outputs first differ (`nbrepro verify --json`'s difference).
 */
export interface IVerifyDifference {
  where: string;
  recorded: string;
  now: string;
  line: number | null;
  detail: string | null;
  path: string | null;
}

/**
 * Both images of an image that differs, base64 (PNG or JPEG only).
 */
export interface IVerifyImages {
  mimetype: 'image/png' | 'image/jpeg';
  recorded: string;
  now: string;
}

export interface IVerifyCell {
  /** All cells counted from 1, markdown too, as the report counts them. */
  cell: number;
  id: string | null;
  status: VerifyStatus;
  difference: IVerifyDifference | null;
  causes: string[];
  notes: string[];
  images: IVerifyImages | null;
}

export interface IVerifyReport {
  cells: IVerifyCell[];
  summary: { [status in VerifyStatus]: number };
  warnings: string[];
  failure: string | null;
}

export interface IVerifyJob {
  id: string;
  path: string;
  state: VerifyJobState;
  /** The code cells the run executes, in order. */
  cells: { cell: number; id: string | null }[];
  /** The cell running now (all cells counted from 1), or null. */
  running: number | null;
  done: number;
  total: number;
  seconds: number;
  message: string | null;
  report: IVerifyReport | null;
}

export function startVerify(
  settings: ServerConnection.ISettings,
  path: string,
  kernel: string | null
): Promise<IVerifyJob> {
  return requestAPI<unknown>('verify', settings, {
    method: 'POST',
    body: JSON.stringify(kernel ? { path, kernel } : { path })
  }).then(readVerifyJob);
}

export function verifyJob(
  settings: ServerConnection.ISettings,
  id: string
): Promise<IVerifyJob> {
  return requestAPI<unknown>(`verify/${encodeURIComponent(id)}`, settings).then(
    readVerifyJob
  );
}

export function cancelVerify(
  settings: ServerConnection.ISettings,
  id: string
): Promise<IVerifyJob> {
  return requestAPI<unknown>(`verify/${encodeURIComponent(id)}`, settings, {
    method: 'DELETE'
  }).then(readVerifyJob);
}

// ----------------------------------------------------------- the reader

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : String(value);
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.floor(value)
    : 0;
}

function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.map(text) : [];
}

const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

function readImages(raw: unknown): IVerifyImages | null {
  if (!isObject(raw)) {
    return null;
  }
  const { mimetype, recorded, now } = raw;
  if (
    (mimetype !== 'image/png' && mimetype !== 'image/jpeg') ||
    typeof recorded !== 'string' ||
    typeof now !== 'string' ||
    !BASE64.test(recorded) ||
    !BASE64.test(now)
  ) {
    return null;
  }
  return {
    mimetype,
    recorded: recorded.replace(/\s+/g, ''),
    now: now.replace(/\s+/g, '')
  };
}

function readDifference(raw: unknown): IVerifyDifference | null {
  if (!isObject(raw)) {
    return null;
  }
  return {
    where: text(raw.where),
    recorded: text(raw.recorded),
    now: text(raw.now),
    line: typeof raw.line === 'number' ? raw.line : null,
    detail: textOrNull(raw.detail),
    path: textOrNull(raw.path)
  };
}

function readCell(raw: unknown): IVerifyCell | null {
  if (!isObject(raw) || count(raw.cell) < 1) {
    return null;
  }
  const status = VERIFY_STATUSES.find(s => s === raw.status);
  if (!status) {
    return null;
  }
  return {
    cell: count(raw.cell),
    id: textOrNull(raw.id),
    status,
    difference: readDifference(raw.difference),
    causes: texts(raw.causes),
    notes: texts(raw.notes),
    images: readImages(raw.images)
  };
}

function readReport(raw: unknown): IVerifyReport | null {
  if (!isObject(raw) || !Array.isArray(raw.cells)) {
    return null;
  }
  const cells = raw.cells
    .map(readCell)
    .filter((c): c is IVerifyCell => c !== null);
  const summary = {} as IVerifyReport['summary'];
  for (const status of VERIFY_STATUSES) {
    summary[status] = cells.filter(c => c.status === status).length;
  }
  return {
    cells,
    summary,
    warnings: texts(raw.warnings),
    failure: textOrNull(raw.failure)
  };
}

/**
 * The server's answer about a verify run, read; a reply that is not one is
 * a RequestError (the server part is another version, or not ours).
 */
export function readVerifyJob(raw: unknown): IVerifyJob {
  const state = isObject(raw)
    ? JOB_STATES.find(s => s === raw.state)
    : undefined;
  if (!isObject(raw) || typeof raw.id !== 'string' || !state) {
    throw new RequestError('unexpected reply from /nbrepro/verify', -1);
  }
  const cells = Array.isArray(raw.cells)
    ? raw.cells
        .filter(isObject)
        .map(c => ({ cell: count(c.cell), id: textOrNull(c.id) }))
    : [];
  return {
    id: raw.id,
    path: text(raw.path),
    state,
    cells,
    running: typeof raw.running === 'number' ? raw.running : null,
    done: count(raw.done),
    total: count(raw.total),
    seconds: typeof raw.seconds === 'number' ? raw.seconds : 0,
    message: textOrNull(raw.message),
    report: readReport(raw.report)
  };
}
