import { TranslationBundle } from '@jupyterlab/translation';

import { DriftKind, IDifference } from './drift';

/**
 * Sentences a researcher reads, built from the recorded facts: the panel
 * shows these, and the raw record only behind "Show raw JSON".
 */

type Obj = { [key: string]: unknown };

function obj(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Obj)
    : {};
}

function str(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number'
      ? String(value)
      : '';
}

/**
 * "Python 3.11.7 (CPython) in a virtual environment".
 */
export function describePython(
  python: unknown,
  trans: TranslationBundle
): string {
  const p = obj(python);
  const version = str(p.version) || trans.__('(version unknown)');
  const names: { [name: string]: string } = {
    cpython: 'CPython',
    pypy: 'PyPy',
    graalpy: 'GraalPy',
    ironpython: 'IronPython',
    jython: 'Jython'
  };
  const raw = str(p.implementation);
  const implementation = names[raw.toLowerCase()] ?? raw;
  const head = implementation
    ? trans.__('Python %1 (%2)', version, implementation)
    : trans.__('Python %1', version);
  const kind = str(p.executable_kind);
  const where: { [kind: string]: string } = {
    venv: trans.__('in a virtual environment'),
    virtualenv: trans.__('in a virtual environment'),
    conda: trans.__('in a conda environment'),
    system: trans.__('installed system-wide'),
    pyenv: trans.__('installed by pyenv')
  };
  let place = where[kind] ?? '';
  if (!place && str(p.prefix) && str(p.base_prefix)) {
    place =
      str(p.prefix) !== str(p.base_prefix)
        ? trans.__('in a virtual environment')
        : '';
  }
  return place ? `${head} ${place}` : head;
}

/**
 * "Debian GNU/Linux 12 (bookworm), x86_64, glibc 2.36".
 */
export function describePlatform(
  platform: unknown,
  trans: TranslationBundle
): string {
  const p = obj(platform);
  const os = obj(p.os);
  const name =
    str(os.pretty_name) ||
    [str(os.name), str(os.version)].filter(Boolean).join(' ') ||
    [str(p.system), str(p.release)].filter(Boolean).join(' ');
  const parts = [name, str(p.machine)].filter(Boolean);
  const libc = p.libc;
  if (typeof libc === 'string' && libc) {
    parts.push(libc);
  } else {
    const l = obj(libc);
    const text = [str(l.name) || str(l.lib), str(l.version)]
      .filter(Boolean)
      .join(' ');
    if (text) {
      parts.push(text);
    }
  }
  return parts.length ? parts.join(', ') : trans.__('Platform not recorded');
}

/**
 * GPU facts as labelled lines: "GPU: none detected", or the devices, the
 * driver, the CUDA version the driver supports and the CUDA runtime.
 */
export function describeGpu(
  gpu: unknown,
  trans: TranslationBundle
): [string, string][] {
  const g = obj(gpu);
  const devices = Array.isArray(g.devices) ? g.devices : [];
  if (devices.length === 0 && !str(g.driver_version)) {
    return [[trans.__('GPU'), trans.__('none detected')]];
  }
  const rows: [string, string][] = [];
  const names = new Map<string, number>();
  for (const device of devices) {
    const d = obj(device);
    const name = str(d.name) || str(d.model) || trans.__('unnamed device');
    const memory = str(d.memory_total) || str(d.memory);
    const label = memory ? `${name} (${memory})` : name;
    names.set(label, (names.get(label) ?? 0) + 1);
  }
  const list = [...names].map(([name, n]) => (n > 1 ? `${n} × ${name}` : name));
  rows.push([trans.__('GPU'), list.join(', ') || trans.__('none detected')]);
  if (str(g.driver_version)) {
    rows.push([trans.__('Driver'), str(g.driver_version)]);
  }
  if (str(g.cuda_driver_version)) {
    rows.push([trans.__('CUDA (driver supports)'), str(g.cuda_driver_version)]);
  }
  const runtime = str(g.cuda_runtime_version) || str(obj(g.cuda).runtime);
  if (runtime) {
    rows.push([trans.__('CUDA runtime'), runtime]);
  }
  return rows;
}

/**
 * "26 Nov 2026, 14:32 (2 hours ago)", in the browser's locale.
 */
export function describeTime(iso: string, now = Date.now()): string {
  const when = Date.parse(iso);
  if (!Number.isFinite(when)) {
    return iso;
  }
  const absolute = new Date(when).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short'
  });
  const seconds = Math.round((when - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 24 * 3600],
    ['month', 30 * 24 * 3600],
    ['week', 7 * 24 * 3600],
    ['day', 24 * 3600],
    ['hour', 3600],
    ['minute', 60]
  ];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  let relative = format.format(0, 'minute');
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) {
      relative = format.format(Math.trunc(seconds / size), unit);
      break;
    }
  }
  return `${absolute} (${relative})`;
}

/**
 * The change of one difference in words: "upgraded, major", "downgraded",
 * "removed", "new".
 */
export function describeChange(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const words: { [kind in DriftKind]: string } = {
    'package-added': trans.__('new'),
    'package-removed': trans.__('removed'),
    'package-upgraded': trans.__('upgraded'),
    'package-downgraded': trans.__('downgraded'),
    'package-build-changed': trans.__('rebuilt'),
    'package-source-changed': trans.__('other source'),
    'python-changed': trans.__('Python changed'),
    'platform-changed': trans.__('platform changed'),
    'gpu-changed': trans.__('GPU changed'),
    'determinism-changed': trans.__('determinism changed'),
    'seeding-changed': trans.__('seeding changed'),
    'supply-chain': trans.__('supply chain'),
    'conda-changed': trans.__('conda changed')
  };
  const word = words[difference.kind] ?? difference.kind;
  if (
    difference.kind === 'package-upgraded' ||
    difference.kind === 'package-downgraded'
  ) {
    const distance = versionDistance(difference.before, difference.after);
    if (distance) {
      const names: { [d: string]: string } = {
        major: trans.__('major'),
        minor: trans.__('minor'),
        patch: trans.__('patch')
      };
      return `${word}, ${names[distance]}`;
    }
  }
  return word;
}

function versionDistance(
  before?: string,
  after?: string
): 'major' | 'minor' | 'patch' | null {
  const parse = (v?: string) =>
    (v ?? '').split(/[.+-]/).map(part => parseInt(part, 10));
  const a = parse(before);
  const b = parse(after);
  if (!Number.isFinite(a[0]) || !Number.isFinite(b[0])) {
    return null;
  }
  if (a[0] !== b[0]) {
    return 'major';
  }
  if ((a[1] ?? 0) !== (b[1] ?? 0)) {
    return 'minor';
  }
  return 'patch';
}
