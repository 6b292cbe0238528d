/**
 * Sentences a researcher reads, built from the recorded facts: the panel
 * shows these, and the raw record only behind "Show raw JSON". The facts
 * come from the door (record/document.ts), in the shape the schema gives.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { packageView, PackageView } from '../drift/view';
import type {
  ICondaBehaviour,
  ICondaFacts,
  IEnvironment,
  IGpuFacts,
  IPlatformFacts,
  IPythonFacts
} from '../record/model';

const IMPLEMENTATIONS: { [name: string]: string } = {
  cpython: 'CPython',
  pypy: 'PyPy',
  graalpy: 'GraalPy',
  ironpython: 'IronPython',
  jython: 'Jython'
};

/**
 * "Python 3.11.7 (CPython) in a virtual environment".
 */
export function describePython(
  python: IPythonFacts,
  trans: TranslationBundle
): string {
  const version = python.version || trans.__('(version unknown)');
  const raw = python.implementation ?? '';
  const implementation = IMPLEMENTATIONS[raw.toLowerCase()] ?? raw;
  const head = implementation
    ? trans.__('Python %1 (%2)', version, implementation)
    : trans.__('Python %1', version);
  const where: { [kind: string]: string } = {
    venv: trans.__('in a virtual environment'),
    conda: trans.__('in a conda environment'),
    system: trans.__('installed system-wide')
  };
  const place = where[python.executable_kind] ?? '';
  return place ? `${head} ${place}` : head;
}

/**
 * "Debian GNU/Linux 12 (bookworm), x86_64, glibc 2.36".
 */
export function describePlatform(
  platform: IPlatformFacts,
  trans: TranslationBundle
): string {
  const name =
    platform.os?.pretty_name ||
    [platform.system, platform.release].filter(Boolean).join(' ');
  const parts = [name, platform.machine].filter(Boolean);
  const libc = platform.libc;
  const libcText = libc
    ? [libc.name, libc.version].filter(Boolean).join(' ')
    : '';
  if (libcText) {
    parts.push(libcText);
  }
  return parts.length ? parts.join(', ') : trans.__('Platform not recorded');
}

/**
 * GPU facts as labelled lines: "GPU: none detected", or the devices, the
 * driver and the CUDA version the driver supports.
 */
export function describeGpu(
  gpu: IGpuFacts | undefined,
  trans: TranslationBundle
): [string, string][] {
  if (!gpu || (gpu.devices.length === 0 && !gpu.driver_version)) {
    return [[trans.__('GPU'), trans.__('none detected')]];
  }
  const rows: [string, string][] = [];
  const names = new Map<string, number>();
  for (const device of gpu.devices) {
    const name = device.name || trans.__('unnamed device');
    names.set(name, (names.get(name) ?? 0) + 1);
  }
  const list = [...names].map(([name, n]) => (n > 1 ? `${n} × ${name}` : name));
  rows.push([trans.__('GPU'), list.join(', ') || trans.__('none detected')]);
  if (gpu.driver_version) {
    rows.push([trans.__('Driver'), gpu.driver_version]);
  }
  if (gpu.cuda_driver_version) {
    rows.push([trans.__('CUDA (driver supports)'), gpu.cuda_driver_version]);
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

// ---------------------------------------------------- environments by name

const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec'
];

/**
 * "Dec 7, 2025" from an ISO time (its own date, not the reader's zone); null
 * when it is not one.
 */
export function recordedOn(
  capturedAt: string | null | undefined
): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(capturedAt ?? ''));
  if (!match) {
    return null;
  }
  const [year, month, day] = match.slice(1).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    return null;
  }
  return `${MONTHS[month - 1]} ${day}, ${year}`;
}

function baseName(environment: IEnvironment, trans: TranslationBundle): string {
  const python = environment.python;
  const version = (python.version ?? '').split('.').slice(0, 2).join('.');
  const head = version ? trans.__('Python %1', version) : trans.__('Python');
  const kinds: { [kind: string]: string } = {
    venv: trans.__('venv'),
    conda: trans.__('conda environment'),
    system: trans.__('system Python')
  };
  const kind = kinds[python.executable_kind];
  return kind ? `${head} ${kind}` : head;
}

/**
 * One environment to name: null `captured_at` for the kernel's now.
 */
export interface INamedEnvironment {
  environment: IEnvironment;
  captured_at: string | null;
}

const NAMED_PACKAGES = 2;
/** Packaging tools: a difference in them tells environments apart last. */
const TOOLS = new Set(['pip', 'setuptools', 'wheel']);

/**
 * A name for each environment by what tells it from the others: "Python
 * 3.11 venv, numpy 1.26.4 — recorded Dec 7, 2025" beside "numpy 2.4.6".
 * The first is the reference; `used`: the distributions the notebook
 * imports, named first; then packages both have at other versions, then
 * those only some have; packaging tools last. The snapshot's id is never part of a name (a tooltip
 * shows it). Twin of python/nbrepro/drift/words.py (environment_names).
 */
export function environmentNames(
  entries: INamedEnvironment[],
  used: string[] | null,
  trans: TranslationBundle
): string[] {
  const imported = new Set(used ?? []);
  const views = entries.map(entry => packageView(entry.environment));
  const bases = entries.map(entry => baseName(entry.environment, trans));
  const version = (view: PackageView, key: string) =>
    key in view ? (view[key].version ?? 'unpinned') : null;
  return entries.map((entry, index) => {
    const mine = views[index];
    const others = views.filter((_, i) => i !== index);
    const keys = new Set<string>();
    for (const view of [mine, ...others]) {
      Object.keys(view).forEach(key => keys.add(key));
    }
    const differing = [...keys]
      .filter(
        key =>
          key !== 'python' &&
          others.some(view => version(view, key) !== version(mine, key))
      )
      .sort((a, b) => {
        const rank = (key: string) =>
          (imported.has(key) ? 0 : 4) +
          (views.every(view => key in view) ? 0 : 2) +
          (TOOLS.has(key) ? 1 : 0);
        return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
      });
    const parts: string[] = [];
    if (index === 0 || bases[index] !== bases[0]) {
      parts.push(bases[index]);
    }
    for (const key of differing.slice(0, NAMED_PACKAGES)) {
      if (key in mine) {
        parts.push(`${mine[key].name} ${version(mine, key)}`);
      } else {
        const named = views.find(view => key in view)![key].name;
        parts.push(trans.__('no %1', named));
      }
    }
    if (differing.length > NAMED_PACKAGES) {
      parts[parts.length - 1] = trans.__(
        '%1 and %2 more',
        parts[parts.length - 1],
        differing.length - NAMED_PACKAGES
      );
    }
    if (differing.length === 0 && others.length === 0) {
      const count = Object.keys(mine).length;
      parts.push(trans._n('%1 package', '%1 packages', count));
    }
    const name = parts.join(', ') || bases[index];
    const when = recordedOn(entry.captured_at);
    return when ? trans.__('%1 — recorded %2', name, when) : name;
  });
}

// ------------------------------------------------- which conda, in words

function foundBy(source: string, trans: TranslationBundle): string | null {
  switch (source) {
    case 'conda-exe':
      return trans.__('named by $CONDA_EXE');
    case 'conda-python-exe':
      return trans.__('named by $CONDA_PYTHON_EXE');
    case 'envs-folder':
      return trans.__(
        "found from the environment's location, in its envs/ folder"
      );
    case 'root':
      return trans.__('the environment is that installation itself');
    case 'environments-txt':
      return trans.__(
        'listed beside the environment in ~/.conda/environments.txt'
      );
    default:
      return null;
  }
}

function noConda(source: string, trans: TranslationBundle): string {
  switch (source) {
    case 'pixi':
      return trans.__(
        'pixi manages this environment (conda-meta/pixi) and no conda is installed for it'
      );
    case 'micromamba':
      return trans.__(
        "micromamba made this environment (its history's `conda version: 3.8.0` is a placeholder libmamba writes) and no conda is installed for it"
      );
    case 'rattler':
      return trans.__(
        'a rattler-based installer made this environment (its history is empty) and no conda is installed for it'
      );
    default:
      return trans.__(
        'no installed conda was found and the history names none'
      );
  }
}

/**
 * Which conda the conda files are written for and why, in one sentence:
 * the twin of python/nbrepro/record/envfiles.py (written_for), from the
 * snapshot's environment.conda.behaviour.
 */
export function writtenFor(
  conda: ICondaFacts | null | undefined,
  trans: TranslationBundle
): string {
  const behaviour: Partial<ICondaBehaviour> = conda?.behaviour ?? {};
  const line = behaviour.conda || '26.7';
  const version = behaviour.version;
  const source = behaviour.source || 'newest';
  const found = foundBy(source, trans);
  if (found) {
    return trans.__(
      'as conda %1 writes them, the conda installed at %2 (%3)',
      version || line,
      behaviour.root || '?',
      found
    );
  }
  if (source === 'option') {
    return trans.__(
      'as conda %1 writes them (--conda-version)',
      version || line
    );
  }
  if (source === 'history') {
    return trans.__(
      'as conda %1 writes them, a guess: no installed conda was found, and conda %2 last changed the environment (conda-meta/history)',
      line,
      conda?.history?.conda_version || version || 'None'
    );
  }
  return trans.__(
    'as conda %1 (the newest nbrepro follows) writes them: %2',
    line,
    noConda(source, trans)
  );
}

/**
 * "written as conda X writes them, ..." for an environment that records
 * conda, else null: the twin of python/nbrepro/record/envreaders.py
 * (conda_files), what `nbrepro check` and `nbrepro diff` say of each side.
 */
export function condaFiles(
  environment: { conda?: ICondaFacts | null } | null | undefined,
  trans: TranslationBundle
): string | null {
  const conda = environment?.conda;
  if (!conda) {
    return null;
  }
  return trans.__('written %1', writtenFor(conda, trans));
}
