/**
 * The packages of a recorded environment (the compact snapshot layout of
 * schema/snapshot.schema.json), one row each, as the panel lists them. Pure;
 * the environment comes from the door, so its shape is not checked again.
 */
import { IDirectUrl, IEnvironment } from './model';

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

function describeSource(source: IDirectUrl | undefined): string {
  if (!source) {
    return '';
  }
  const vcs = source.vcs_info;
  if (vcs) {
    const commit = (vcs.commit_id ?? '').slice(0, 12);
    return `${vcs.vcs ?? ''}+${source.url}${commit ? '@' + commit : ''}`;
  }
  if (source.dir_info?.editable === true) {
    return `editable ${source.url}`;
  }
  return source.url;
}

/**
 * Every package of a recorded environment: conda packages, then pip
 * distributions (those conda does not own).
 */
export function packageRows(environment: IEnvironment): IPackageRow[] {
  const rows: IPackageRow[] = [];
  const conda = environment.conda;
  // A record whose string does not describe it carries the facts that
  // differ, keyed by its position in `packages`.
  const overrides = conda?.overrides ?? {};
  (conda?.packages ?? []).forEach((entry, index) => {
    const row = parseCondaEntry(entry);
    if (!row) {
      return;
    }
    const override = overrides[String(index)];
    if (override) {
      for (const field of ['name', 'version', 'build'] as const) {
        const value = override[field];
        if (typeof value === 'string') {
          row[field] = value;
        }
      }
      if (typeof override.channel === 'string') {
        row.origin = override.channel;
      }
    }
    rows.push(row);
  });
  for (const dist of environment.pip.distributions) {
    // A distribution hidden by another of the same name earlier on sys.path
    // is not what imports load.
    if (dist.shadowed_by !== undefined) {
      continue;
    }
    const installer = dist.installer || 'pip';
    const source = describeSource(dist.source);
    rows.push({
      name: dist.name,
      version: dist.version,
      build: '',
      origin: [
        source || (installer === 'pip' ? 'pypi' : installer),
        dist.location ?? ''
      ]
        .filter(part => part && part !== 'prefix')
        .join(', '),
      manager: 'pip'
    });
  }
  rows.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  return rows;
}

export function countPackages(environment: IEnvironment): number {
  return packageRows(environment).length;
}
