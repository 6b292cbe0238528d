/**
 * The words of one run record (a cell's seeding and determinism settings),
 * as the panel's table says them. Pure; the record comes from the door.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { IRunRecord, ISeeds, SeedValue } from '../record/model';

function text(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  if (isObject(value) && depth < 6) {
    for (const [key, item] of Object.entries(value)) {
      flattenFacts(item, prefix ? `${prefix}.${key}` : key, out, depth + 1);
    }
    return out;
  }
  out.push([prefix, text(value)]);
  return out;
}

function argument(arg: SeedValue): string {
  if ('literal' in arg) {
    return JSON.stringify(arg.literal);
  }
  if ('name' in arg) {
    return `${arg.name}=${JSON.stringify(arg.value_at_capture)}`;
  }
  return arg.source;
}

/**
 * The seeding of one cell as a user reads it: `random.seed(42)`,
 * `PYTHONHASHSEED="0" (no effect at run time)`, recovered seeds.
 */
export function describeSeeding(run: IRunRecord): string {
  const seeds = run.seeds;
  if (!seeds) {
    return '';
  }
  const parts: string[] = [];
  for (const call of seeds.calls) {
    if (call.kind === 'env') {
      const assigned = `${call.name}=${argument(call.value)}`;
      parts.push(
        call.effective === false
          ? `${assigned} (no effect at run time)`
          : assigned
      );
    } else if (call.kind === 'call') {
      parts.push(`${call.func}(${call.args.map(argument).join(', ')})`);
    } else {
      parts.push(`${call.func}()`);
    }
  }
  for (const [key, value] of Object.entries(seeds.recovered)) {
    if (value !== null && value !== undefined) {
      parts.push(`${key} = ${text(value)}`);
    }
  }
  return parts.join('; ');
}

/**
 * The seeding of a cell that called no seeding function: seeded by an earlier
 * cell, not seeded, or nothing to say.
 */
export function describeSeedingStatus(
  seeds: ISeeds | undefined,
  trans: TranslationBundle
): string {
  if (!seeds) {
    return '—';
  }
  const earlier = seeds.seeded_earlier_by ?? [];
  switch (seeds.status) {
    case 'seeded':
      return earlier.length
        ? trans.__(
            'RNG seeded earlier (%1), not in this cell',
            earlier.join(', ')
          )
        : trans.__('RNG seeded earlier, not in this cell');
    case 'unseeded':
      return trans.__('not seeded');
    default:
      return seeds.status;
  }
}

/**
 * The determinism settings of one cell that are set (unset ones are left out).
 */
export function describeDeterminism(run: IRunRecord): string {
  return flattenFacts(run.determinism ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
