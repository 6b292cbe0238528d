/**
 * Sentences a researcher reads, built from the recorded facts: the panel
 * shows these, and the raw record only behind "Show raw JSON". The facts
 * come from the door (record/document.ts), in the shape the schema gives.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { IGpuFacts, IPlatformFacts, IPythonFacts } from '../record/model';

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
