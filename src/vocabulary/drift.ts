/**
 * The words of drift: a severity, one change, a count of changes, the
 * toast's sentence. Twin of python/nbrepro/drift/words.py (the bundle README
 * and the export check say the same), held equal by test/vectors/words/.
 * The report's own words (high, package-removed) stay the schema's. Pure.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { IDifference, IDriftReport } from '../drift/diff';

const SEVERITY_ORDER = ['high', 'medium', 'low', 'info'] as const;

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
  return labels[severity] ?? severity;
}

/**
 * A severity as a sentence says it ("serious").
 */
export function severityWord(
  severity: string,
  trans: TranslationBundle
): string {
  const words: { [severity: string]: string } = {
    high: trans.__('serious'),
    medium: trans.__('moderate'),
    low: trans.__('minor'),
    info: trans.__('for information')
  };
  return words[severity] ?? severity;
}

/**
 * "2 serious, 1 moderate, 16 for information": the severities present.
 */
export function severityCounts(
  counts: { [severity: string]: number },
  trans: TranslationBundle
): string {
  return SEVERITY_ORDER.filter(severity => counts[severity])
    .map(severity => `${counts[severity]} ${severityWord(severity, trans)}`)
    .join(', ');
}

/**
 * What changed: the package, or the fact in words ("operating system").
 */
export function subject(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const name = difference.name ?? difference.kind;
  const facts: { [kind: string]: { [name: string]: string } } = {
    'python-changed': { python: trans.__('Python') },
    'platform-changed': {
      os: trans.__('operating system'),
      machine: trans.__('machine'),
      libc: trans.__('C library')
    },
    'gpu-changed': {
      driver: trans.__('GPU driver'),
      cuda_driver: trans.__('CUDA driver'),
      cuda_runtime: trans.__('CUDA runtime'),
      cudnn: trans.__('cuDNN'),
      devices: trans.__('GPUs')
    }
  };
  return facts[difference.kind]?.[name] ?? name;
}

/**
 * The change without its subject: "1.26.4 → 2.4.6", "3.11.2, removed",
 * "0.20.0, new"; '' for a difference without values.
 */
export function versionsText(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const { before, after } = difference;
  if (before !== undefined && after !== undefined) {
    return `${before} → ${after}`;
  }
  if (before !== undefined) {
    return trans.__('%1, removed', before);
  }
  if (after !== undefined) {
    return trans.__('%1, new', after);
  }
  return '';
}

/**
 * One change as every surface names it: "numpy 1.26.4 → 2.4.6",
 * "matplotlib 3.11.2, removed", "operating system Debian 12 → Ubuntu 24.04".
 */
export function changeText(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const values = versionsText(difference, trans);
  const what = subject(difference, trans);
  return values ? `${what} ${values}` : what;
}

/**
 * The kind of change: "upgraded, major", "removed", "new".
 */
export function kindWord(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const words: { [kind: string]: string } = {
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
    // The diff measured the distance (PEP 440): "major version change".
    const head = (difference.detail ?? '').split(';')[0];
    const suffix = ' version change';
    const distance = head.endsWith(suffix) ? head.slice(0, -suffix.length) : '';
    const names: { [d: string]: string } = {
      major: trans.__('major'),
      minor: trans.__('minor'),
      patch: trans.__('patch'),
      post: trans.__('post'),
      local: trans.__('local')
    };
    if (names[distance]) {
      return `${word}, ${names[distance]}`;
    }
  }
  return word;
}

/**
 * One change as the toast names it: "numpy 1.26.4 → 2.4.6 (serious,
 * imported)".
 */
export function describeDifference(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const notes = [severityWord(difference.severity, trans)];
  if (difference.used) {
    notes.push(trans.__('imported'));
  }
  return `${changeText(difference, trans)} (${notes.join(', ')})`;
}

/**
 * JupyterLab cuts a toast's message at 140 characters, mid-word.
 */
export const TOAST_LIMIT = 140;

/**
 * The drift toast's sentence, whole within TOAST_LIMIT: the notebook, the
 * most serious changes by name (fewer when they would not fit), how many
 * more.
 */
export function driftMessage(
  notebook: string,
  report: IDriftReport,
  trans: TranslationBundle
): string {
  const shown = report.differences.filter(d => d.severity !== 'info');
  const name = notebook.length > 40 ? notebook.slice(0, 39) + '…' : notebook;
  for (let named = Math.min(2, shown.length); named >= 0; named--) {
    const changes = shown
      .slice(0, named)
      .map(d => describeDifference(d, trans));
    const more = shown.length - named;
    let list = changes.join('; ');
    if (more > 0) {
      list =
        named > 0
          ? trans._n(
              '%2 and %1 more change',
              '%2 and %1 more changes',
              more,
              list
            )
          : trans._n('%1 change', '%1 changes', more);
    }
    const text = trans.__(
      '%1 runs on a different environment than it recorded: %2.',
      name,
      list
    );
    if (text.length <= TOAST_LIMIT || named === 0) {
      return text;
    }
  }
  return '';
}
