/**
 * The JSON Schema half of the door (./document.ts): a snapshot or run record
 * is checked against schema/notebook.schema.json (src/data holds copies of
 * schema/*.json, held equal by a test) and what fails is dropped, as little
 * as possible: one distribution, conda package or GPU device, a run's
 * section, else the whole record. The same rules as
 * python/nbrepro/document.py (_DROPPABLE, _scrub_run). Only the door calls
 * these; they work on plain JSON the door has copied.
 */

import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';

import { IJSONObject } from './model';
import notebookSchema from '../data/notebook.schema.json';
import snapshotSchema from '../data/snapshot.schema.json';

type Path = (string | number)[];

// Paths (in a snapshot or run record) of what may go alone when it fails the
// schema; '*' is a list index. The same list as document.py's _DROPPABLE.
const DROPPABLE: Path[] = [
  ['environment', 'pip', 'distributions', '*'],
  ['environment', 'conda', 'packages', '*'],
  ['environment', 'gpu', 'devices', '*'],
  ['environment', 'gpu'],
  ['environment', 'conda', 'overrides'],
  ['environment', 'conda', 'requested_specs'],
  ['problems', '*'],
  ['seeds'],
  ['determinism'],
  ['modules'],
  ['frameworks'],
  ['inputs'],
  ['fonts']
];
const CONTROL = /[\x00-\x1f\x7f]/;

let validators: { [name: string]: ValidateFunction } | null = null;

function validator(definition: 'snapshot' | 'run'): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv2020({
      allErrors: true,
      strict: false,
      validateFormats: false
    });
    ajv.addSchema(snapshotSchema);
    ajv.addSchema(notebookSchema);
    const base = (notebookSchema as { $id: string }).$id;
    validators = {
      snapshot: ajv.compile({ $ref: `${base}#/$defs/snapshot` }),
      run: ajv.compile({ $ref: `${base}#/$defs/run` })
    };
  }
  return validators[definition];
}

function isObject(value: unknown): value is IJSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pathOf(error: ErrorObject): Path {
  if (!error.instancePath) {
    return [];
  }
  return error.instancePath
    .slice(1)
    .split('/')
    .map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map(part => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

function dropTarget(path: Path, record: unknown): Path | null {
  let best: Path | null = null;
  for (const pattern of DROPPABLE) {
    if (path.length < pattern.length) {
      continue;
    }
    let node: unknown = record;
    let matches = true;
    for (let i = 0; i < pattern.length && matches; i++) {
      const isIndex = Array.isArray(node) && typeof path[i] === 'number';
      matches = pattern[i] === '*' ? isIndex : pattern[i] === path[i];
      node =
        isObject(node) || Array.isArray(node)
          ? (node as any)[path[i]]
          : undefined;
    }
    if (matches && (!best || pattern.length > best.length)) {
      best = path.slice(0, pattern.length);
    }
  }
  return best;
}

/**
 * The errors that point at the failing value: an error whose path another
 * error extends is a summary (an anyOf over conda-or-null, or a parent's
 * `required`), and the deeper one names what to drop.
 */
function leaves(errors: ErrorObject[]): [Path, ErrorObject][] {
  const paths = errors.map(pathOf);
  const out: [Path, ErrorObject][] = [];
  errors.forEach((error, index) => {
    const path = paths[index];
    const extended = paths.some(
      other =>
        other.length > path.length && path.every((part, i) => other[i] === part)
    );
    if (!extended) {
      out.push([path, error]);
    }
  });
  return out;
}

function shiftOverrides(conda: IJSONObject, removed: number): void {
  const overrides = conda.overrides;
  if (!isObject(overrides)) {
    return;
  }
  const shifted: IJSONObject = {};
  for (const [key, value] of Object.entries(overrides)) {
    const index = /^[0-9]+$/.test(key) ? Number(key) : -1;
    if (index === removed || index < 0) {
      continue;
    }
    shifted[String(index > removed ? index - 1 : index)] = value;
  }
  if (Object.keys(shifted).length > 0) {
    conda.overrides = shifted;
  } else {
    delete conda.overrides;
  }
}

function remove(record: IJSONObject, path: Path): void {
  let parent: any = record;
  for (const key of path.slice(0, -1)) {
    parent = parent[key];
  }
  const last = path[path.length - 1];
  if (typeof last === 'number' && Array.isArray(parent)) {
    parent.splice(last, 1);
    if (path.slice(0, -1).join('/') === 'environment/conda/packages') {
      shiftOverrides(
        (record.environment as IJSONObject).conda as IJSONObject,
        last
      );
    }
  } else {
    delete parent[last];
  }
}

function compare(a: Path, b: Path): number {
  // Later list items first, so that earlier indexes stay right.
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      if (typeof a[i] === 'number' && typeof b[i] === 'number') {
        return (b[i] as number) - (a[i] as number);
      }
      return String(b[i]) < String(a[i]) ? -1 : 1;
    }
  }
  return b.length - a.length;
}

function message(error: ErrorObject): string {
  const text = `${error.message ?? 'invalid'}`;
  return text.length > 160 ? text.slice(0, 157) + '...' : text;
}

export function pruneUntilValid(
  definition: 'snapshot' | 'run',
  record: IJSONObject,
  where: string,
  problems: string[]
): boolean {
  const check = validator(definition);
  for (let round = 0; round < 4; round++) {
    if (check(record)) {
      return true;
    }
    const targets = new Map<string, [Path, ErrorObject]>();
    for (const [path, error] of leaves(check.errors ?? [])) {
      const target = dropTarget(path, record);
      if (!target) {
        problems.push(
          `${where} does not match the schema (${path.join('/') || '(top)'}: ${message(error)}); dropped`
        );
        return false;
      }
      const key = JSON.stringify(target);
      if (!targets.has(key)) {
        targets.set(key, [target, error]);
      }
    }
    const ordered = [...targets.values()].sort((a, b) => compare(a[0], b[0]));
    for (const [target, error] of ordered) {
      problems.push(
        `${where}: ${target.join('/')} does not match the schema (${message(error)}); dropped`
      );
      remove(record, target);
    }
  }
  return check(record) === true;
}

export function scrubRun(
  run: IJSONObject,
  where: string,
  problems: string[]
): void {
  const determinism = run.determinism;
  const env = isObject(determinism) ? determinism.env : undefined;
  if (!isObject(env)) {
    return;
  }
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string' && CONTROL.test(value)) {
      problems.push(
        `${where}: determinism setting ${name} holds a control character; read as unset`
      );
      env[name] = null;
    }
  }
}
