/**
 * The words of drift: a change, its severity, the toast's sentence. Pure,
 * so that they are tested without a browser.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { DriftKind, IDifference, IDriftReport } from '../drift/diff';

/**
 * A severity as the panel's section titles say it.
 */
export function severityTitle(
  severity: string,
  trans: TranslationBundle
): string {
  const labels: { [severity: string]: string } = {
    high: trans.__('Serious'),
    medium: trans.__('Moderate'),
    low: trans.__('Minor'),
    info: trans.__('For information')
  };
  return labels[severity];
}

/**
 * How many changes a notification names before "and N more".
 */
const NAMED = 2;

function severityWord(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const words: { [severity: string]: string } = {
    high: trans.__('serious'),
    medium: trans.__('moderate'),
    low: trans.__('minor'),
    info: trans.__('for information')
  };
  return words[difference.severity] ?? difference.severity;
}

/**
 * One change as a toast names it: "numpy 1.26.4 → 2.4.6, serious, imported".
 */
export function describeDifference(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const name = difference.name ?? difference.kind;
  let change = '';
  if (difference.before !== undefined && difference.after !== undefined) {
    change = `${difference.before} → ${difference.after}`;
  } else if (difference.after !== undefined) {
    change = trans.__('%1, new', difference.after);
  } else if (difference.before !== undefined) {
    change = trans.__('%1, removed', difference.before);
  }
  const parts = [
    change ? `${name} ${change}` : name,
    severityWord(difference, trans)
  ];
  if (difference.used) {
    parts.push(trans.__('imported'));
  }
  return parts.join(', ');
}

/**
 * The drift toast's text: the notebook, the top changes by name, how many more.
 */
export function driftMessage(
  notebook: string,
  report: IDriftReport,
  trans: TranslationBundle
): string {
  const shown = report.differences.filter(d => d.severity !== 'info');
  const named = shown
    .slice(0, NAMED)
    .map(d => describeDifference(d, trans))
    .join('; ');
  const more = shown.length - Math.min(shown.length, NAMED);
  const tail = more
    ? trans._n(' and %1 more change', ' and %1 more changes', more)
    : '';
  return trans.__(
    '%1 runs on a different environment than it recorded: %2%3.',
    notebook,
    named,
    tail
  );
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
    'conda-changed': trans.__('conda changed'),
    'fonts-changed': trans.__('fonts changed')
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
