/**
 * Reading a recorded environment (the compact snapshot layout of
 * schema/snapshot.schema.json) for display. Pure functions; every value is
 * treated as untrusted and coerced to text.
 */
import { IJSONObject } from './metadata';

/**
 * One package as the environment panel lists it.
 */
export interface IPackageRow {
  name: string;
  version: string;
  build: string;
  /**
   * Channel (conda) or source (pip: index, VCS URL and commit, local path).
   */
  origin: string;
  manager: 'conda' | 'pip';
}

function asObject(value: unknown): IJSONObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as IJSONObject)
    : null;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Split a compact conda entry `<channel>/<subdir>/<fn>#<hash>` into a row.
 * The file name encodes name-version-build (conda itself relies on that).
 */
export function parseCondaEntry(entry: string): IPackageRow | null {
  const withoutHash = entry.split('#')[0];
  const parts = withoutHash.split('/');
  if (parts.length < 3) {
    return null;
  }
  const fn = parts[parts.length - 1];
  const channel = parts.slice(0, parts.length - 2).join('/');
  const stem = fn.replace(/\.(conda|tar\.bz2)$/, '');
  const build = stem.lastIndexOf('-');
  const version = build > 0 ? stem.lastIndexOf('-', build - 1) : -1;
  if (build <= 0 || version <= 0) {
    return null;
  }
  return {
    name: stem.slice(0, version),
    version: stem.slice(version + 1, build),
    build: stem.slice(build + 1),
    origin: channel,
    manager: 'conda'
  };
}

function describeSource(source: unknown): string {
  const object = asObject(source);
  if (!object) {
    return '';
  }
  const url = text(object.url);
  const vcs = asObject(object.vcs_info);
  if (vcs) {
    const commit = text(vcs.commit_id).slice(0, 12);
    return `${text(vcs.vcs)}+${url}${commit ? '@' + commit : ''}`;
  }
  const dir = asObject(object.dir_info);
  if (dir && dir.editable === true) {
    return `editable ${url}`;
  }
  return url;
}

/**
 * Every package of a recorded environment: conda packages, then pip
 * distributions (those conda does not own).
 */
export function packageRows(environment: unknown): IPackageRow[] {
  const env = asObject(environment);
  if (!env) {
    return [];
  }
  const rows: IPackageRow[] = [];
  const conda = asObject(env.conda);
  // A record whose string does not describe it carries the facts that
  // differ, keyed by its position in `packages`.
  const overrides = asObject(conda?.overrides) ?? {};
  asArray(conda?.packages).forEach((entry, index) => {
    const row = typeof entry === 'string' ? parseCondaEntry(entry) : null;
    if (!row) {
      return;
    }
    const override = asObject(overrides[String(index)]);
    if (override) {
      for (const field of ['name', 'version', 'build'] as const) {
        if (typeof override[field] === 'string') {
          row[field] = override[field] as string;
        }
      }
      if (typeof override.channel === 'string') {
        row.origin = override.channel;
      }
    }
    rows.push(row);
  });
  const pip = asObject(env.pip);
  for (const item of asArray(pip?.distributions)) {
    const dist = asObject(item);
    // A distribution hidden by another of the same name earlier on sys.path
    // is not what imports load.
    if (!dist || dist.shadowed_by !== undefined) {
      continue;
    }
    const installer = text(dist.installer) || 'pip';
    const source = describeSource(dist.source);
    const location = text(dist.location);
    rows.push({
      name: text(dist.name),
      version: text(dist.version),
      build: '',
      origin: [source || (installer === 'pip' ? 'pypi' : installer), location]
        .filter(part => part && part !== 'prefix')
        .join(', '),
      manager: 'pip'
    });
  }
  rows.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  return rows;
}

export function countPackages(environment: unknown): number {
  return packageRows(environment).length;
}

/**
 * Leaf facts of a nested record as `path: value` pairs, skipping what is
 * empty (null, '', [], {}), for the panel's fact tables.
 */
export function flattenFacts(
  value: unknown,
  prefix = '',
  out: [string, string][] = [],
  depth = 0
): [string, string][] {
  if (value === null || value === undefined || value === '') {
    return out;
  }
  if (Array.isArray(value)) {
    if (value.length > 0) {
      value.forEach((item, index) =>
        flattenFacts(item, `${prefix}[${index}]`, out, depth + 1)
      );
    }
    return out;
  }
  const object = asObject(value);
  if (object && depth < 6) {
    for (const [key, item] of Object.entries(object)) {
      flattenFacts(item, prefix ? `${prefix}.${key}` : key, out, depth + 1);
    }
    return out;
  }
  out.push([prefix, text(value)]);
  return out;
}

function argument(arg: unknown): string {
  const object = asObject(arg);
  if (!object) {
    return text(arg);
  }
  if ('literal' in object) {
    return JSON.stringify(object.literal);
  }
  if (typeof object.name === 'string') {
    return 'value_at_capture' in object
      ? `${object.name}=${JSON.stringify(object.value_at_capture)}`
      : object.name;
  }
  if (typeof object.keyword === 'string') {
    return `${object.keyword}=${argument(object.value)}`;
  }
  return text(object.source ?? object);
}

/**
 * The seeding of one cell as a user reads it: `random.seed(42)`,
 * `PYTHONHASHSEED="0" (no effect at run time)`, recovered seeds.
 */
export function describeSeeding(run: unknown): string {
  const seeds = asObject(asObject(run)?.seeds);
  if (!seeds) {
    return '';
  }
  const parts: string[] = [];
  for (const call of asArray(seeds.calls)) {
    const object = asObject(call);
    if (!object) {
      continue;
    }
    if (object.kind === 'env') {
      const assigned = `${text(object.name)}=${argument(object.value)}`;
      parts.push(
        object.effective === false
          ? `${assigned} (no effect at run time)`
          : assigned
      );
    } else {
      parts.push(
        `${text(object.func)}(${asArray(object.args).map(argument).join(', ')})`
      );
    }
  }
  for (const [key, value] of Object.entries(asObject(seeds.recovered) ?? {})) {
    if (value !== null && value !== undefined) {
      parts.push(`${key} = ${text(value)}`);
    }
  }
  return parts.join('; ');
}

/**
 * The determinism settings of one cell that are set (unset ones are left out).
 */
export function describeDeterminism(run: unknown): string {
  return flattenFacts(asObject(asObject(run)?.determinism) ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
