/**
 * What a drift diff compares: a side, read from untrusted JSON. The rules and
 * the problem sentences are those of python/nbrepro/record/sides.py, which
 * documents them; the shared vectors hold the two to the same results.
 */

import { describeType, short } from '../record/words';

export type Manager = 'conda' | 'pip';

/**
 * One package of a view. `version` null: an unpinned spec; ending in `.*`: a
 * prefix pin.
 */
export interface IPackage {
  name: string;
  version: string | null;
  build?: string;
  manager: Manager;
  channel?: string;
  source?: string;
}

/**
 * PEP 503 name -> package.
 */
export type PackageView = { [name: string]: IPackage };

export type Facts = { [fact: string]: string | null };

export interface IDriftSide {
  packages: PackageView;
  channels: string[] | null;
  python: string | null;
  platform: Facts | null;
  gpu: Facts | null;
  runtime: { seeding: Facts; determinism: Facts; fonts?: Facts } | null;
  /**
   * Which conda the conda files are written for (environment.conda.behaviour).
   */
  conda: Facts | null;
}

export const MAX_PACKAGES = 20000;
export const MAX_TEXT = 1000;
export const MAX_FACTS = 500;
const UNKNOWN_CHANNEL = '<unknown>';
const MACHINES: { [machine: string]: string } = {
  amd64: 'x86_64',
  x64: 'x86_64',
  aarch64: 'arm64'
};
const DEFAULTS = new Set([
  'pkgs/main',
  'pkgs/r',
  'pkgs/msys2',
  'pkgs/free',
  'pkgs/pro'
]);
export const CONDA_FACTS = ['conda', 'version', 'source'];
export const GPU_FACTS = [
  'driver',
  'cuda_driver',
  'cuda_runtime',
  'cudnn',
  'devices'
];
export const PLATFORM_FACTS = ['os', 'machine', 'libc'];

type JSONObject = { [key: string]: unknown };

function isObject(value: unknown): value is JSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(object: JSONObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function get(object: unknown, key: string): unknown {
  return isObject(object) && has(object, key) ? object[key] : undefined;
}

/**
 * PEP 503: lower case, every run of `-`, `_` and `.` becomes one `-`.
 */
export function normalize(name: string): string {
  // Without `_`, `.` or `--` there is no run to replace: the common case.
  if (
    name.indexOf('_') < 0 &&
    name.indexOf('.') < 0 &&
    name.indexOf('--') < 0
  ) {
    return name.toLowerCase();
  }
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

function quoted(text: string): string {
  return JSON.stringify(short(text));
}

export function emptySide(): IDriftSide {
  return {
    packages: {},
    channels: null,
    python: null,
    platform: null,
    gpu: null,
    runtime: null,
    conda: null
  };
}

/**
 * The name a channel or index is compared by.
 */
const channelNames = new Map<string, string>();

export function channelName(text: string): string {
  // An environment names a handful of channels thousands of times.
  let name = channelNames.get(text);
  if (name === undefined) {
    name = channelNameOf(text);
    if (channelNames.size < 1000) {
      channelNames.set(text, name);
    }
  }
  return name;
}

function channelNameOf(text: string): string {
  let name = text.trim().replace(/\/+$/, '');
  const lowered = name.toLowerCase();
  for (const prefix of [
    'https://conda.anaconda.org/',
    'http://conda.anaconda.org/',
    'https://repo.anaconda.com/',
    'http://repo.anaconda.com/'
  ]) {
    if (lowered.startsWith(prefix)) {
      name = name.slice(prefix.length);
    }
  }
  if (DEFAULTS.has(name)) {
    return 'defaults';
  }
  if (
    [
      'https://pypi.org/simple',
      'https://pypi.python.org/simple',
      'pypi'
    ].includes(lowered)
  ) {
    return 'pypi';
  }
  return name;
}

export function describeSource(source: unknown): string | null {
  const url = get(source, 'url');
  if (typeof url !== 'string') {
    return null;
  }
  const vcs = get(source, 'vcs_info');
  if (isObject(vcs)) {
    const commit = typeof vcs.commit_id === 'string' ? vcs.commit_id : '';
    const kind = typeof vcs.vcs === 'string' ? vcs.vcs : 'vcs';
    return `${kind}+${url}${commit ? '@' + commit : ''}`;
  }
  if (get(get(source, 'dir_info'), 'editable') === true) {
    return 'editable ' + url;
  }
  const digest = archiveSha256(source);
  return digest && !url.includes('#') ? `${url}#sha256=${digest}` : url;
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** The sha256 PEP 610's archive_info gives for an archive pip installed, or null. */
export function archiveSha256(source: unknown): string | null {
  const archive = get(source, 'archive_info');
  if (!isObject(archive)) {
    return null;
  }
  let value = get(archive.hashes, 'sha256');
  if (typeof value !== 'string') {
    const legacy = archive.hash;
    value =
      typeof legacy === 'string' && legacy.startsWith('sha256=')
        ? legacy.slice('sha256='.length)
        : null;
  }
  return typeof value === 'string' && SHA256.test(value)
    ? value.toLowerCase()
    : null;
}

/**
 * Two pip sources naming archives of one sha256 are the same bytes, wherever
 * they were installed from (the wheel a bundle carries and the author's).
 */
export function sameArchive(
  source: string | undefined,
  other: string | undefined
): boolean {
  const marker = '#sha256=';
  if (
    !source ||
    !other ||
    !source.includes(marker) ||
    !other.includes(marker)
  ) {
    return false;
  }
  return (
    source.slice(source.lastIndexOf(marker) + marker.length) ===
    other.slice(other.lastIndexOf(marker) + marker.length)
  );
}

export function valueText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'boolean' || typeof value === 'number') {
    return String(value);
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------- package views

/**
 * PEP 503 name -> package of a stored (compact) environment: conda packages,
 * then the pip distributions import finds (pip wins over conda, as conda's own
 * export has it).
 */
export function packageView(
  environment: unknown,
  problems: string[] = [],
  where = 'environment'
): PackageView {
  return readPackageView(environment, problems, where, null);
}

/**
 * The channels of a view's conda packages, gathered while it is read;
 * `replaced`: a pip distribution took the place of a package read before it,
 * so that `channels` may name one the view no longer holds.
 */
interface IChannelTally {
  channels: Set<string>;
  replaced: boolean;
}

function readPackageView(
  environment: unknown,
  problems: string[],
  where: string,
  tally: IChannelTally | null
): PackageView {
  const view: PackageView = {};
  if (!isObject(environment)) {
    problems.push(
      `${where} is ${describeType(environment)}, not an object; it was read as empty`
    );
    return view;
  }
  const conda = get(environment, 'conda');
  if (conda !== null && conda !== undefined) {
    if (isObject(conda)) {
      Private.condaPackages(conda, view, problems, where + '.conda', tally);
    } else {
      problems.push(
        `${where}.conda is ${describeType(conda)}, not an object; ignored`
      );
    }
  }
  const pip = get(environment, 'pip');
  if (pip !== null && pip !== undefined) {
    if (isObject(pip)) {
      Private.pipDistributions(pip, view, problems, where + '.pip', tally);
    } else {
      problems.push(
        `${where}.pip is ${describeType(pip)}, not an object; ignored`
      );
    }
  }
  return view;
}

/**
 * [channel key, subdir, name, version, build] of `<key>/<subdir>/<fn>#<hash>`;
 * name, version and build are null when fn does not split into three; null
 * when the text is not a path of three parts.
 */
export function splitCondaString(
  text: string
): [string, string, string | null, string | null, string | null] | null {
  const hash = text.indexOf('#');
  const spec = hash < 0 ? text : text.slice(0, hash);
  const fnAt = spec.lastIndexOf('/');
  const subdirAt = fnAt > 0 ? spec.lastIndexOf('/', fnAt - 1) : -1;
  if (subdirAt <= 0) {
    return null;
  }
  const key = spec.slice(0, subdirAt);
  const subdir = spec.slice(subdirAt + 1, fnAt);
  let fn = spec.slice(fnAt + 1);
  if (fn.endsWith('.conda')) {
    fn = fn.slice(0, -6);
  } else if (fn.endsWith('.tar.bz2')) {
    fn = fn.slice(0, -8);
  }
  const buildAt = fn.lastIndexOf('-');
  const versionAt = buildAt > 0 ? fn.lastIndexOf('-', buildAt - 1) : -1;
  if (
    versionAt <= 0 ||
    buildAt === versionAt + 1 ||
    buildAt === fn.length - 1
  ) {
    return [key, subdir, null, null, null];
  }
  return [
    key,
    subdir,
    fn.slice(0, versionAt),
    fn.slice(versionAt + 1, buildAt),
    fn.slice(buildAt + 1)
  ];
}

// ---------------------------------------------------------- sides

/**
 * The side of a stored environment and, optionally, one run record.
 */
export function sideFromEnvironment(
  environment: unknown,
  runtime: unknown = null,
  problems: string[] = [],
  where = 'environment'
): IDriftSide {
  const side = emptySide();
  const tally: IChannelTally = { channels: new Set(), replaced: false };
  side.packages = readPackageView(environment, problems, where, tally);
  if (!isObject(environment)) {
    return side;
  }
  const conda = get(environment, 'conda');
  if (isObject(conda)) {
    const channels = new Set<string>();
    const listed = get(conda, 'channels');
    for (const channel of Array.isArray(listed) ? listed : []) {
      if (typeof channel === 'string' && channel) {
        channels.add(channelName(channel));
      }
    }
    if (tally.replaced) {
      for (const entry of Object.values(side.packages)) {
        if (entry.manager === 'conda' && entry.channel !== undefined) {
          channels.add(entry.channel);
        }
      }
    } else {
      for (const channel of tally.channels) {
        channels.add(channel);
      }
    }
    side.channels = [...channels].sort();
    const behaviour = get(conda, 'behaviour');
    if (isObject(behaviour)) {
      side.conda = Private.readFacts(
        behaviour,
        CONDA_FACTS,
        where + '.conda.behaviour',
        problems
      );
    }
  }
  const version = get(get(environment, 'python'), 'version');
  if (typeof version === 'string') {
    side.python = version;
  }
  side.platform = Private.platform(get(environment, 'platform'));
  side.gpu = Private.gpu(get(environment, 'gpu'), runtime);
  if (isObject(runtime)) {
    side.runtime = {
      seeding: Private.flatten(get(runtime, 'seeds'), [
        'fingerprints',
        'calls'
      ]),
      determinism: Private.flatten(get(runtime, 'determinism'), []),
      fonts: Private.fonts(get(runtime, 'fonts'))
    };
  }
  return side;
}

/**
 * A well-formed side from untrusted JSON: a side, or `{environment, runtime?}`.
 */
export function readSide(
  value: unknown,
  where: string,
  problems: string[]
): IDriftSide {
  if (isObject(value) && has(value, 'environment') && !has(value, 'packages')) {
    return sideFromEnvironment(
      value.environment,
      get(value, 'runtime') ?? null,
      problems,
      where + '.environment'
    );
  }
  const side = emptySide();
  if (!isObject(value)) {
    problems.push(
      `${where} is ${describeType(value)}, not an object; it was read as empty`
    );
    return side;
  }
  side.packages = Private.readView(
    get(value, 'packages'),
    where + '.packages',
    problems
  );
  const channels = get(value, 'channels');
  if (Array.isArray(channels)) {
    side.channels = [
      ...new Set(
        channels
          .filter((c): c is string => typeof c === 'string')
          .map(channelName)
      )
    ].sort();
  } else if (channels !== null && channels !== undefined) {
    problems.push(
      `${where}.channels is ${describeType(channels)}, not a list; ignored`
    );
  }
  const python = get(value, 'python');
  if (typeof python === 'string') {
    side.python = python;
  } else if (python !== null && python !== undefined) {
    problems.push(
      `${where}.python is ${describeType(python)}, not a string; ignored`
    );
  }
  side.platform = Private.readFacts(
    get(value, 'platform'),
    PLATFORM_FACTS,
    where + '.platform',
    problems
  );
  side.gpu = Private.readFacts(
    get(value, 'gpu'),
    GPU_FACTS,
    where + '.gpu',
    problems
  );
  side.conda = Private.readFacts(
    get(value, 'conda'),
    CONDA_FACTS,
    where + '.conda',
    problems
  );
  const runtime = get(value, 'runtime');
  if (isObject(runtime)) {
    const read = (name: string) =>
      Private.readFacts(
        get(runtime, name),
        null,
        `${where}.runtime.${name}`,
        problems
      ) ?? {};
    side.runtime = {
      seeding: read('seeding'),
      determinism: read('determinism'),
      fonts: read('fonts')
    };
  } else if (runtime !== null && runtime !== undefined) {
    problems.push(
      `${where}.runtime is ${describeType(runtime)}, not an object; ignored`
    );
  }
  return side;
}

namespace Private {
  function boundedList(
    value: unknown,
    where: string,
    problems: string[]
  ): unknown[] {
    if (!Array.isArray(value)) {
      if (value !== null && value !== undefined) {
        problems.push(
          `${where} is ${describeType(value)}, not a list; ignored`
        );
      }
      return [];
    }
    if (value.length > MAX_PACKAGES) {
      problems.push(
        `${where} has more than ${MAX_PACKAGES} entries; the rest were ignored`
      );
      return value.slice(0, MAX_PACKAGES);
    }
    return value;
  }

  function textOr<T>(value: unknown, fallback: T): string | T {
    return typeof value === 'string' && value ? value : fallback;
  }

  export function condaPackages(
    conda: JSONObject,
    view: PackageView,
    problems: string[],
    where: string,
    tally: IChannelTally | null
  ): void {
    const overrides = isObject(conda.overrides) ? conda.overrides : {};
    const packages = boundedList(
      get(conda, 'packages'),
      where + '.packages',
      problems
    );
    const seen = new Set<string>();
    const anyOverride = Object.getOwnPropertyNames(overrides).length > 0;
    for (let index = 0; index < packages.length; index++) {
      const text = packages[index];
      if (text === undefined && !(index in packages)) {
        continue; // a hole of a sparse array, which forEach skips
      }
      if (typeof text !== 'string') {
        problems.push(
          `${where}.packages[${index}] is ${describeType(text)}, not a string; skipped`
        );
        continue;
      }
      if (text.length > MAX_TEXT) {
        problems.push(
          `${where}.packages[${index}] is longer than ${MAX_TEXT} characters; skipped`
        );
        continue;
      }
      const parsed = splitCondaString(text);
      let key: string | null = null;
      let name: string | null = null;
      let version: string | null = null;
      let build: string | null = null;
      if (parsed) {
        key = parsed[0];
        name = parsed[2];
        version = parsed[3];
        build = parsed[4];
      }
      let channel = key === null || key === UNKNOWN_CHANNEL ? null : key;
      // An override names what a file name that does not split leaves out.
      const override = anyOverride ? get(overrides, String(index)) : undefined;
      if (isObject(override)) {
        name = textOr(override.name, name);
        version = textOr(override.version, version);
        build = textOr(override.build, build);
        channel = textOr(override.channel, channel);
      }
      if (!parsed || name === null || version === null) {
        problems.push(
          `${where}.packages[${index}] ${quoted(text)} is not <channel>/<subdir>/<name>-<version>-<build>; skipped`
        );
        continue;
      }
      const normalized = normalize(name);
      if (seen.has(normalized)) {
        problems.push(
          `${where}.packages names ${quoted(name)} more than once; the first one is used`
        );
        continue;
      }
      seen.add(normalized);
      const entry: IPackage = { name, version, manager: 'conda' };
      if (build) {
        entry.build = build;
      }
      if (channel !== null) {
        entry.channel = channelName(channel);
        if (tally) {
          tally.channels.add(entry.channel);
        }
      }
      view[normalized] = entry;
    }
  }

  export function pipDistributions(
    pip: JSONObject,
    view: PackageView,
    problems: string[],
    where: string,
    tally: IChannelTally | null
  ): void {
    const dists = boundedList(
      get(pip, 'distributions'),
      where + '.distributions',
      problems
    );
    const seen = new Set<string>();
    for (let index = 0; index < dists.length; index++) {
      const dist = dists[index];
      if (dist === undefined && !(index in dists)) {
        continue; // a hole of a sparse array, which forEach skips
      }
      if (!isObject(dist)) {
        problems.push(
          `${where}.distributions[${index}] is ${describeType(dist)}, not an object; skipped`
        );
        continue;
      }
      const name = get(dist, 'name');
      const version = get(dist, 'version');
      if (typeof name !== 'string' || !name || typeof version !== 'string') {
        problems.push(
          `${where}.distributions[${index}] has no name or version string; skipped`
        );
        continue;
      }
      if (name.length > MAX_TEXT || version.length > MAX_TEXT) {
        problems.push(
          `${where}.distributions[${index}] is longer than ${MAX_TEXT} characters; skipped`
        );
        continue;
      }
      const shadowedBy = get(dist, 'shadowed_by');
      if (shadowedBy !== null && shadowedBy !== undefined) {
        continue; // hidden behind another of its name earlier on sys.path
      }
      const normalized = normalize(name);
      if (seen.has(normalized)) {
        problems.push(
          `${where}.distributions names ${quoted(name)} more than once; the first one is used`
        );
        continue;
      }
      seen.add(normalized);
      const entry: IPackage = { name, version, manager: 'pip' };
      const source = describeSource(get(dist, 'source'));
      if (source !== null) {
        entry.source = source;
      }
      if (tally && has(view, normalized)) {
        tally.replaced = true;
      }
      view[normalized] = entry;
    }
  }

  export function platform(value: unknown): Facts | null {
    if (!isObject(value)) {
      return null;
    }
    const out: Facts = { os: null, machine: null, libc: null };
    const system = get(value, 'system');
    if (typeof system === 'string' && system) {
      out.os = system.toLowerCase();
    }
    const machine = get(value, 'machine');
    if (typeof machine === 'string' && machine) {
      const lowered = machine.toLowerCase();
      out.machine = has(MACHINES, lowered) ? MACHINES[lowered] : lowered;
    }
    const libc = get(value, 'libc');
    const libcName = get(libc, 'name');
    if (typeof libcName === 'string') {
      const version = get(libc, 'version');
      out.libc = libcName + (typeof version === 'string' ? ' ' + version : '');
    }
    return out;
  }

  export function gpu(value: unknown, runtime: unknown): Facts | null {
    const out: Facts = {};
    for (const fact of GPU_FACTS) {
      out[fact] = null;
    }
    let known = false;
    if (isObject(value)) {
      known = true;
      for (const [fact, field] of [
        ['driver', 'driver_version'],
        ['cuda_driver', 'cuda_driver_version']
      ]) {
        const text = get(value, field);
        if (typeof text === 'string') {
          out[fact] = text;
        }
      }
      const names = new Map<string, number>();
      const devices = get(value, 'devices');
      for (const device of Array.isArray(devices) ? devices : []) {
        if (isObject(device)) {
          const name =
            typeof device.name === 'string' ? device.name : 'unknown';
          names.set(name, (names.get(name) ?? 0) + 1);
        }
      }
      out.devices = names.size
        ? [...names.keys()]
            .sort()
            .map(name => `${names.get(name)}x ${name}`)
            .join(', ')
        : 'none';
    }
    const frameworks = get(runtime, 'frameworks');
    if (isObject(frameworks)) {
      const torch = get(frameworks, 'torch');
      const tf = get(frameworks, 'tensorflow');
      for (const [fact, values] of [
        ['cuda_runtime', [get(torch, 'cuda'), get(tf, 'cuda_version')]],
        ['cudnn', [get(torch, 'cudnn'), get(tf, 'cudnn_version')]]
      ] as [string, unknown[]][]) {
        for (const item of values) {
          if (typeof item === 'string' || typeof item === 'number') {
            out[fact] = valueText(item);
            known = true;
            break;
          }
        }
      }
    }
    return known ? out : null;
  }

  /**
   * {family: 'Name (where)'}: the fonts Matplotlib gave the families of
   * font.family in a run record's `fonts` (python/nbrepro/capture/fonts.py).
   */
  export function fonts(value: unknown): Facts {
    const out: Facts = {};
    const items = get(value, 'matplotlib');
    for (const item of Array.isArray(items) ? items : []) {
      const family = get(item, 'family');
      const name = get(item, 'name');
      const where = get(item, 'where');
      if (
        typeof family === 'string' &&
        typeof name === 'string' &&
        Object.keys(out).length < MAX_FACTS
      ) {
        out[short(family)] = short(
          typeof where === 'string' ? `${name} (${where})` : name
        );
      }
    }
    return out;
  }

  export function flatten(value: unknown, skip: string[]): Facts {
    const out: Facts = {};
    if (!isObject(value)) {
      return out;
    }
    let count = 0;
    const stack: [string, JSONObject, number][] = [['', value, 0]];
    while (stack.length) {
      const [prefix, item, depth] = stack.pop()!;
      for (const key of Object.keys(item).sort()) {
        if (depth === 0 && skip.includes(key)) {
          continue;
        }
        const path = prefix + key;
        const child = item[key];
        if (isObject(child) && depth < 4) {
          stack.push([path + '.', child, depth + 1]);
        } else if (count < MAX_FACTS) {
          if (!has(out, path)) {
            count++;
          }
          out[path] =
            child === null || child === undefined ? 'unset' : valueText(child);
        }
      }
    }
    return out;
  }

  export function readFacts(
    value: unknown,
    names: string[] | null,
    where: string,
    problems: string[]
  ): Facts | null {
    if (value === null || value === undefined) {
      return null;
    }
    if (!isObject(value)) {
      problems.push(
        `${where} is ${describeType(value)}, not an object; ignored`
      );
      return null;
    }
    const keys = names ?? Object.keys(value).sort().slice(0, MAX_FACTS);
    const out: Facts = {};
    for (const key of keys) {
      const fact = get(value, key);
      if (fact === null || fact === undefined || typeof fact === 'string') {
        out[key] = (fact as string | undefined) ?? null;
      } else {
        problems.push(
          `${where}.${key} is ${describeType(fact)}, not a string; ignored`
        );
        out[key] = null;
      }
    }
    return out;
  }

  export function readView(
    value: unknown,
    where: string,
    problems: string[]
  ): PackageView {
    const view: PackageView = {};
    if (!isObject(value)) {
      problems.push(
        `${where} is ${describeType(value)}, not an object; ignored`
      );
      return view;
    }
    let keys = Object.keys(value);
    if (!sorted(keys)) {
      keys.sort();
    }
    if (keys.length > MAX_PACKAGES) {
      problems.push(
        `${where} has more than ${MAX_PACKAGES} entries; the rest were ignored`
      );
      keys = keys.slice(0, MAX_PACKAGES);
    }
    for (const key of keys) {
      const entry =
        wellFormed(value[key]) ?? readEntry(value[key], where, key, problems);
      if (!entry) {
        continue;
      }
      const normalized = normalize(entry.name);
      if (has(view, normalized)) {
        problems.push(
          `${where} names ${quoted(entry.name)} more than once; the first one is used`
        );
        continue;
      }
      view[normalized] = entry;
    }
    return view;
  }

  /**
   * Whether `keys` are in the order sort() gives them (UTF-16 code units).
   */
  function sorted(keys: string[]): boolean {
    for (let index = 1; index < keys.length; index++) {
      if (keys[index - 1] > keys[index]) {
        return false;
      }
    }
    return true;
  }

  function usable(text: unknown): text is string {
    return (
      typeof text === 'string' && text.length > 0 && text.length <= MAX_TEXT
    );
  }

  /**
   * A copy of the common, well-formed entry, or null for the careful path.
   * (Plain property reads are safe here: every value is type-checked, and
   * no property Object.prototype has is a string.)
   */
  function wellFormed(raw: unknown): IPackage | null {
    if (!isObject(raw)) {
      return null;
    }
    const { name, version, manager } = raw;
    if (
      !usable(name) ||
      (version !== null && version !== undefined && !usable(version))
    ) {
      return null;
    }
    if (manager !== 'conda' && manager !== 'pip') {
      return null;
    }
    const entry: IPackage = {
      name,
      version: (version as string | undefined) ?? null,
      manager
    };
    const { build, channel, source } = raw;
    if (build !== null && build !== undefined) {
      if (!usable(build)) {
        return null;
      }
      entry.build = build;
    }
    if (channel !== null && channel !== undefined) {
      if (!usable(channel)) {
        return null;
      }
      entry.channel = channelName(channel);
    }
    if (source !== null && source !== undefined) {
      if (!usable(source)) {
        return null;
      }
      entry.source = source;
    }
    return entry;
  }

  function readEntry(
    raw: unknown,
    viewWhere: string,
    key: string,
    problems: string[]
  ): IPackage | null {
    const where = `${viewWhere}[${quoted(key)}]`;
    if (!isObject(raw)) {
      problems.push(`${where} is ${describeType(raw)}, not an object; skipped`);
      return null;
    }
    const name = get(raw, 'name');
    if (typeof name !== 'string' || !name || name.length > MAX_TEXT) {
      problems.push(`${where} has no usable name; skipped`);
      return null;
    }
    const manager = get(raw, 'manager');
    if (manager !== 'conda' && manager !== 'pip') {
      problems.push(`${where} has a manager other than conda or pip; skipped`);
      return null;
    }
    const entry: IPackage = { name, version: null, manager };
    const version = get(raw, 'version');
    if (typeof version === 'string' && version && version.length <= MAX_TEXT) {
      entry.version = version;
    } else if (version !== null && version !== undefined) {
      problems.push(
        `${where}.version is not a usable string; read as unpinned`
      );
    }
    for (const field of ['build', 'channel', 'source'] as const) {
      const text = get(raw, field);
      if (typeof text === 'string' && text && text.length <= MAX_TEXT) {
        entry[field] = field === 'channel' ? channelName(text) : text;
      } else if (text !== null && text !== undefined) {
        problems.push(`${where}.${field} is not a usable string; ignored`);
      }
    }
    return entry;
  }
}

export { describeType, short };
