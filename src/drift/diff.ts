/**
 * Drift: the graded diff between two environments, for the JupyterLab front
 * end. Pure functions over plain JSON; python/nbrepro/drift/ is the same diff
 * for the command line (its diff.py documents the severity rules), and both run
 * the shared vectors in test/vectors/drift/. The report is
 * schema/drift.schema.json.
 *
 *   const side = sideFromEnvironment(snapshot.environment, runRecord);
 *   const report = diff(recordedSide, kernelSide, notebookContext(nbMeta, ignore));
 */
import {
  readSide,
  IDriftSide,
  IPackage,
  normalize,
  describeType,
  sameArchive
} from './view';
import { compareVersions, Distance } from './versions';
import { nearPopular } from './supplychain';

export {
  IDriftSide,
  IPackage,
  PackageView,
  packageView,
  readSide,
  sideFromEnvironment,
  normalize
} from './view';

export const SEVERITIES = ['high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const KINDS = [
  'package-added',
  'package-removed',
  'package-upgraded',
  'package-downgraded',
  'package-build-changed',
  'package-source-changed',
  'python-changed',
  'platform-changed',
  'gpu-changed',
  'determinism-changed',
  'seeding-changed',
  'supply-chain',
  'conda-changed',
  'fonts-changed'
] as const;
export type DriftKind = (typeof KINDS)[number];

export interface IRestore {
  pip?: string;
  conda?: string;
}

export interface IDifference {
  kind: DriftKind;
  severity: Severity;
  name?: string;
  before?: string;
  after?: string;
  used?: boolean;
  detail?: string;
  restore?: IRestore;
}

export interface IDriftReport {
  schema_version: 1;
  severity: Severity | 'none';
  counts: { [severity in Severity]: number };
  differences: IDifference[];
  problems: string[];
}

/**
 * What the notebook tells the diff: PEP 503 names it imports (null: unknown,
 * severities are not adjusted), whether it imported a GPU framework, glob
 * patterns (`*`, `?`) of package names to leave out.
 */
export interface IDriftContext {
  used?: string[] | null;
  gpu_framework_imported?: boolean;
  ignore?: string[];
}

const MAX_PATTERNS = 200;
const DISTANCE_SEVERITY: { [distance: string]: Severity } = {
  major: 'high',
  minor: 'medium',
  patch: 'low',
  post: 'info',
  local: 'info'
};
const GPU_DISTRIBUTIONS = new Set([
  'torch',
  'tensorflow',
  'tensorflow-gpu',
  'tensorflow-cpu',
  'jax',
  'jaxlib',
  'cupy'
]);
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * The drift report from `before` to `after` (sides, or `{environment,
 * runtime?}` objects); never throws on bad input, names it in `problems`.
 */
export function diff(
  before: unknown,
  after: unknown,
  context?: unknown
): IDriftReport {
  const problems: string[] = [];
  const old = readSide(before, 'before', problems);
  const now = readSide(after, 'after', problems);
  const ctx = Private.readContext(context, problems);
  return Private.compare(old, now, ctx, problems);
}

/**
 * The drift report between two sides already read (sideFromEnvironment of
 * a record the door read): nothing is read again.
 */
export function diffSides(
  old: IDriftSide,
  now: IDriftSide,
  context: IDriftContext
): IDriftReport {
  const problems: string[] = [];
  return Private.compare(
    old,
    now,
    Private.readContext(context, problems),
    problems
  );
}

export function makeReport(
  differences: IDifference[],
  problems: string[]
): IDriftReport {
  differences.sort(Private.byOrder);
  const counts = { high: 0, medium: 0, low: 0, info: 0 };
  for (const item of differences) {
    counts[item.severity]++;
  }
  const severity = SEVERITIES.find(s => counts[s] > 0) ?? 'none';
  return { schema_version: 1, severity, counts, differences, problems };
}

/**
 * Sorted PEP 503 names of the distributions the notebook's runs imported
 * (`metadata.nbrepro.runs[*].modules` values); null when no run recorded them.
 */
export function usedDistributions(nbMeta: unknown): string[] | null {
  const runs = Private.get(nbMeta, 'runs');
  if (!Private.isObject(runs)) {
    return null;
  }
  const used = new Set<string>();
  let known = false;
  for (const run of Object.values(runs)) {
    const modules = Private.get(run, 'modules');
    if (!Private.isObject(modules)) {
      continue;
    }
    known = true;
    for (const value of Object.values(modules)) {
      for (const name of Array.isArray(value) ? value : [value]) {
        if (typeof name === 'string' && name) {
          used.add(normalize(name));
        }
      }
    }
  }
  return known ? [...used].sort() : null;
}

/**
 * The diff context of a notebook's `metadata.nbrepro`.
 */
export function notebookContext(
  nbMeta: unknown,
  ignore: string[] = []
): IDriftContext {
  const used = usedDistributions(nbMeta);
  let gpu = (used ?? []).some(name => GPU_DISTRIBUTIONS.has(name));
  const runs = Private.get(nbMeta, 'runs');
  for (const run of Private.isObject(runs) ? Object.values(runs) : []) {
    const frameworks = Private.get(run, 'frameworks');
    if (Private.isObject(frameworks) && Object.keys(frameworks).length) {
      gpu = true;
    }
  }
  return { used, gpu_framework_imported: gpu, ignore: [...ignore] };
}

/**
 * Shell commands that bring back `entry` (remove it, for an added package).
 */
export function restoreCommands(kind: DriftKind, entry: IPackage): IRestore {
  const name = entry.name;
  if (kind === 'package-added') {
    return entry.manager === 'pip'
      ? { pip: 'pip uninstall -y ' + quote(name) }
      : { conda: 'conda remove ' + quote(name) };
  }
  const version = entry.version;
  if (entry.manager === 'pip') {
    const source = entry.source;
    if (source && source.startsWith('editable ')) {
      return {
        pip: 'pip install -e ' + quote(source.slice('editable '.length))
      };
    }
    if (source) {
      return { pip: 'pip install ' + quote(`${name} @ ${source}`) };
    }
    return {
      pip: 'pip install ' + quote(name + (version ? '==' + version : ''))
    };
  }
  let spec = name;
  if (entry.channel) {
    spec = entry.channel + '::' + spec;
  }
  if (version) {
    spec += '=' + version;
    if (entry.build) {
      spec += '=' + entry.build;
    }
  }
  return { conda: 'conda install ' + quote(spec) };
}

/**
 * POSIX shell quoting, as Python's shlex.quote (ASCII safe set).
 */
export function quote(text: string): string {
  return SAFE.test(text) ? text : "'" + text.replace(/'/g, `'"'"'`) + "'";
}

namespace Private {
  const hasOwn = Object.prototype.hasOwnProperty;

  export function compare(
    old: IDriftSide,
    now: IDriftSide,
    ctx: IContext,
    problems: string[]
  ): IDriftReport {
    const differences: IDifference[] = [];
    packages(old, now, ctx, differences);
    python(old, now, differences);
    platform(old, now, differences);
    gpu(old, now, ctx, differences);
    runtime(old, now, differences);
    channels(old, now, ctx, differences);
    conda(old, now, differences);
    return makeReport(differences, problems);
  }

  export interface IContext {
    used: Set<string> | null;
    gpu: boolean;
    ignore: RegExp | null;
  }

  export function isObject(
    value: unknown
  ): value is { [key: string]: unknown } {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  export function get(object: unknown, key: string): unknown {
    return isObject(object) && Object.prototype.hasOwnProperty.call(object, key)
      ? object[key]
      : undefined;
  }

  const severityIndex = (s: Severity) => SEVERITIES.indexOf(s);
  const kindIndex = (k: DriftKind) => KINDS.indexOf(k);

  function compareText(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  export function byOrder(a: IDifference, b: IDifference): number {
    return (
      severityIndex(a.severity) - severityIndex(b.severity) ||
      kindIndex(a.kind) - kindIndex(b.kind) ||
      compareText(a.name ?? '', b.name ?? '') ||
      compareText(a.before ?? '', b.before ?? '') ||
      compareText(a.after ?? '', b.after ?? '')
    );
  }

  function raise(severity: Severity): Severity {
    return SEVERITIES[Math.max(severityIndex(severity) - 1, 0)];
  }

  function lower(severity: Severity): Severity {
    return SEVERITIES[
      Math.min(severityIndex(severity) + 1, SEVERITIES.length - 1)
    ];
  }

  export function readContext(value: unknown, problems: string[]): IContext {
    const ctx: IContext = { used: null, gpu: false, ignore: null };
    if (value === null || value === undefined) {
      return ctx;
    }
    if (!isObject(value)) {
      problems.push(
        `context is ${describeType(value)}, not an object; ignored`
      );
      return ctx;
    }
    const used = get(value, 'used');
    if (Array.isArray(used)) {
      ctx.used = new Set(
        used.filter((n): n is string => typeof n === 'string').map(normalize)
      );
    } else if (used !== null && used !== undefined) {
      problems.push(
        `context.used is ${describeType(used)}, not a list; ignored`
      );
    }
    const gpu = get(value, 'gpu_framework_imported');
    if (typeof gpu === 'boolean') {
      ctx.gpu = gpu;
    } else if (gpu !== null && gpu !== undefined) {
      problems.push(
        `context.gpu_framework_imported is ${describeType(gpu)}, not a boolean; ignored`
      );
    }
    const ignore = get(value, 'ignore');
    if (Array.isArray(ignore)) {
      const patterns = ignore
        .slice(0, MAX_PATTERNS)
        .filter((p): p is string => typeof p === 'string' && p !== '');
      if (patterns.length) {
        ctx.ignore = new RegExp('^(?:' + patterns.map(glob).join('|') + ')$');
      }
    } else if (ignore !== null && ignore !== undefined) {
      problems.push(
        `context.ignore is ${describeType(ignore)}, not a list; ignored`
      );
    }
    return ctx;
  }

  function glob(pattern: string): string {
    let out = '';
    for (const char of normalize(pattern.trim())) {
      if (char === '*') {
        out += '.*';
      } else if (char === '?') {
        out += '.';
      } else {
        out += char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
      }
    }
    return out;
  }

  // -------------------------------------------------------- packages

  function versionText(entry: IPackage): string {
    return entry.version ?? 'unpinned';
  }

  function origin(entry: IPackage): string {
    return entry.manager === 'conda'
      ? 'conda ' + (entry.channel ?? '(channel unknown)')
      : 'pip ' + (entry.source ?? '(index)');
  }

  function add(
    out: IDifference[],
    ctx: IContext,
    kind: DriftKind,
    severity: Severity,
    name: string,
    restoreTo: IPackage,
    was: IPackage | string | null,
    now: IPackage | string | null,
    detail?: string
  ): void {
    const item: IDifference = { kind, severity, name: restoreTo.name };
    if (was !== null) {
      item.before = typeof was === 'string' ? was : versionText(was);
    }
    if (now !== null) {
      item.after = typeof now === 'string' ? now : versionText(now);
    }
    const notes = detail ? [detail] : [];
    if (ctx.used !== null) {
      item.used = ctx.used.has(name);
      item.severity = item.used ? raise(severity) : lower(severity);
      if (item.used) {
        notes.push('used by this notebook');
      }
    }
    if (notes.length) {
      item.detail = notes.join('; ');
    }
    item.restore = restoreCommands(kind, restoreTo);
    out.push(item);
  }

  export function packages(
    old: IDriftSide,
    now: IDriftSide,
    ctx: IContext,
    out: IDifference[]
  ): void {
    // Own properties only: a package may be named like an Object.prototype
    // property. Those of `before` first, then those only `after` has.
    const before = old.packages;
    const after = now.packages;
    for (const name of Object.keys(before)) {
      const was = before[name];
      const is = hasOwn.call(after, name) ? after[name] : null;
      if (
        is !== null &&
        was.version === is.version &&
        was.manager === is.manager &&
        was.build === is.build &&
        was.channel === is.channel &&
        was.source === is.source
      ) {
        continue; // the same package: nothing changed (most of them)
      }
      if (name === 'python' || (ctx.ignore && ctx.ignore.test(name))) {
        continue;
      }
      if (is === null) {
        add(out, ctx, 'package-removed', 'medium', name, was, was, null);
      } else {
        changed(out, ctx, name, was, is);
      }
    }
    for (const name of Object.keys(after)) {
      if (
        hasOwn.call(before, name) ||
        name === 'python' ||
        (ctx.ignore && ctx.ignore.test(name))
      ) {
        continue;
      }
      const is = after[name];
      add(out, ctx, 'package-added', 'low', name, is, null, is);
      // The list holds PyPI names; conda packages are judged by channel only.
      const alert = is.manager === 'pip' ? nearPopular(name) : null;
      if (alert) {
        out.push({
          kind: 'supply-chain',
          severity: 'high',
          name: is.name,
          after: versionText(is),
          detail: `${alert[1]} edit${alert[1] === 1 ? '' : 's'} from the widely used package ${alert[0]}`
        });
      }
    }
  }

  function changed(
    out: IDifference[],
    ctx: IContext,
    name: string,
    was: IPackage,
    now: IPackage
  ): void {
    if (was.manager !== now.manager) {
      add(
        out,
        ctx,
        'package-source-changed',
        'low',
        name,
        was,
        origin(was),
        origin(now)
      );
    } else if (was.channel && now.channel && was.channel !== now.channel) {
      add(
        out,
        ctx,
        'package-source-changed',
        'low',
        name,
        was,
        origin(was),
        origin(now)
      );
    } else if (
      was.manager === 'pip' &&
      (was.source ?? null) !== (now.source ?? null) &&
      !sameArchive(was.source, now.source)
    ) {
      add(
        out,
        ctx,
        'package-source-changed',
        'medium',
        name,
        was,
        origin(was),
        origin(now)
      );
    }
    let sameVersion = true;
    if (was.version !== null && now.version !== null) {
      const [order, distance] = compareVersions(was.version, now.version);
      if (distance !== 'same') {
        sameVersion = false;
        const kind = order > 0 ? 'package-downgraded' : 'package-upgraded';
        const detail = distance + ' version change';
        add(
          out,
          ctx,
          kind,
          DISTANCE_SEVERITY[distance],
          name,
          was,
          was,
          now,
          detail
        );
      }
    }
    if (sameVersion && was.build && now.build && was.build !== now.build) {
      add(
        out,
        ctx,
        'package-build-changed',
        'info',
        name,
        was,
        was.build,
        now.build
      );
    }
  }

  // -------------------------------------------------------- facts

  function pythonVersion(side: IDriftSide): string | null {
    if (side.python) {
      return side.python;
    }
    const entry = Object.prototype.hasOwnProperty.call(side.packages, 'python')
      ? side.packages.python
      : null;
    return entry ? entry.version : null;
  }

  export function python(
    old: IDriftSide,
    now: IDriftSide,
    out: IDifference[]
  ): void {
    const was = pythonVersion(old);
    const is = pythonVersion(now);
    if (!was || !is) {
      return;
    }
    const [, distance] = compareVersions(was, is);
    if (distance === 'same') {
      return;
    }
    const severity: Severity =
      distance === 'major' || distance === 'minor'
        ? 'high'
        : distance === 'patch'
          ? 'low'
          : 'info';
    out.push({
      kind: 'python-changed',
      severity,
      name: 'python',
      before: was,
      after: is,
      detail: `${distance as Distance} version change`
    });
  }

  function facts(
    was: { [fact: string]: string | null } | null,
    now: { [fact: string]: string | null } | null,
    names: string[]
  ): [string, string, string][] {
    if (!was || !now) {
      return [];
    }
    const out: [string, string, string][] = [];
    for (const name of names) {
      const a = was[name] ?? null;
      const b = now[name] ?? null;
      if (a !== null && b !== null && a !== b) {
        out.push([name, a, b]);
      }
    }
    return out;
  }

  export function platform(
    old: IDriftSide,
    now: IDriftSide,
    out: IDifference[]
  ): void {
    for (const [name, was, is] of facts(old.platform, now.platform, [
      'os',
      'machine',
      'libc'
    ])) {
      out.push({
        kind: 'platform-changed',
        severity: name === 'libc' ? 'medium' : 'high',
        name,
        before: was,
        after: is
      });
    }
  }

  const CONDA_LINES = ['24.11', '25.7', '26.7'];
  const LINE_CHANGES = [
    "environment.yml would now list the packages' channels first and write --from-history specs without their channel",
    'environment.yml would now be written without the implicit defaults channel, and --from-history would leave out what pip replaced'
  ];

  /**
   * What the installed conda changing from one release line to another means
   * for the files conda writes (envfiles.conda_change in Python).
   */
  export function condaChange(before: string, after: string): string {
    const from = CONDA_LINES.indexOf(before);
    const to = CONDA_LINES.indexOf(after);
    if (from === to || from < 0 || to < 0) {
      return 'the files conda writes are the same for both';
    }
    const text = LINE_CHANGES.slice(
      Math.min(from, to),
      Math.max(from, to)
    ).join('; ');
    return to < from
      ? 'the older conda undoes this: ' +
          text.split(' would now ').join(' was ')
      : text;
  }

  /**
   * The installed conda changed: information with its consequence, never
   * package drift.
   */
  export function conda(
    old: IDriftSide,
    now: IDriftSide,
    out: IDifference[]
  ): void {
    const was = old.conda?.version;
    const is = now.conda?.version;
    if (!was || !is || was === is) {
      return;
    }
    out.push({
      kind: 'conda-changed',
      severity: 'info',
      name: 'conda',
      before: was,
      after: is,
      detail: `conda ${was} -> ${is}: ${condaChange(
        old.conda?.conda ?? '',
        now.conda?.conda ?? ''
      )}`
    });
  }

  export function gpu(
    old: IDriftSide,
    now: IDriftSide,
    ctx: IContext,
    out: IDifference[]
  ): void {
    const names = ['driver', 'cuda_driver', 'cuda_runtime', 'cudnn', 'devices'];
    for (const [name, was, is] of facts(old.gpu, now.gpu, names)) {
      out.push({
        kind: 'gpu-changed',
        severity: ctx.gpu ? 'high' : 'low',
        name,
        before: was,
        after: is,
        detail: ctx.gpu
          ? 'a GPU framework is imported'
          : 'no GPU framework is imported'
      });
    }
  }

  export function runtime(
    old: IDriftSide,
    now: IDriftSide,
    out: IDifference[]
  ): void {
    if (!old.runtime || !now.runtime) {
      return;
    }
    for (const [section, kind] of [
      ['determinism', 'determinism-changed'],
      ['seeding', 'seeding-changed']
    ] as ['determinism' | 'seeding', DriftKind][]) {
      const before = old.runtime[section];
      const after = now.runtime[section];
      const names = [
        ...new Set([...Object.keys(before), ...Object.keys(after)])
      ].sort();
      for (const name of names) {
        const was = before[name] ?? null;
        const is = after[name] ?? null;
        if (was !== is) {
          out.push({
            kind,
            severity: 'medium',
            name,
            before: was || 'unset',
            after: is || 'unset'
          });
        }
      }
    }
    // Another font for a family: information, known on both sides only.
    const before = old.runtime.fonts ?? {};
    const after = now.runtime.fonts ?? {};
    for (const name of Object.keys(before).sort()) {
      if (after[name] !== undefined && before[name] !== after[name]) {
        out.push({
          kind: 'fonts-changed',
          severity: 'info',
          name,
          before: before[name] ?? 'unset',
          after: after[name] ?? 'unset'
        });
      }
    }
  }

  export function channels(
    old: IDriftSide,
    now: IDriftSide,
    ctx: IContext,
    out: IDifference[]
  ): void {
    if (old.channels === null || now.channels === null) {
      return;
    }
    const known = new Set(old.channels);
    for (const channel of now.channels) {
      if (known.has(channel) || (ctx.ignore && ctx.ignore.test(channel))) {
        continue;
      }
      out.push({
        kind: 'supply-chain',
        severity: 'medium',
        name: channel,
        detail: 'a channel or index the recorded environment did not use'
      });
    }
  }
}
