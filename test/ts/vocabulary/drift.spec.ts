import { nullTranslator } from '@jupyterlab/translation';

import { diff, notebookContext } from '../../../src/drift/diff';
import { describeChange, driftMessage } from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');

describe('words for people', () => {
  it('names changes in words', () => {
    const change = (kind: string, before?: string, after?: string) =>
      describeChange({ kind, severity: 'high', before, after } as any, trans);
    expect(change('package-upgraded', '1.26.4', '2.4.6')).toBe(
      'upgraded, major'
    );
    expect(change('package-downgraded', '2.1', '2.0')).toBe(
      'downgraded, minor'
    );
    expect(change('package-removed', '1.0')).toBe('removed');
    expect(change('package-added', undefined, '1.0')).toBe('new');
  });
  it('names the top changes in the drift notification', () => {
    const report = {
      differences: [
        {
          kind: 'package-upgraded',
          severity: 'high',
          name: 'numpy',
          before: '1.26.4',
          after: '2.4.6',
          used: true
        },
        { kind: 'package-added', severity: 'low', name: 'a', after: '1' },
        { kind: 'package-added', severity: 'low', name: 'b', after: '1' },
        { kind: 'package-added', severity: 'low', name: 'c', after: '1' }
      ]
    } as any;
    expect(driftMessage('paper.ipynb', report, trans)).toBe(
      'paper.ipynb runs on a different environment than it recorded: ' +
        'numpy 1.26.4 → 2.4.6, serious, imported; a 1, new, minor and 2 more changes.'
    );
  });
  it('words each change as the panel groups it, from the imports the file records', () => {
    const side = (numpy: string, six: string) => ({
      packages: {
        numpy: { name: 'numpy', version: numpy, manager: 'pip' },
        six: { name: 'six', version: six, manager: 'pip' }
      }
    });
    // A run recorded in the file imported numpy: six's minor change is
    // lowered and numpy's raised, in the toast as in the panel.
    const meta = { runs: { r1: { modules: { np: 'numpy' } } } };
    const report = diff(
      side('1.26.4', '1.16.0'),
      side('2.4.6', '1.17.0'),
      notebookContext(meta)
    );
    const six = report.differences.find(d => d.name === 'six')!;
    expect(six.severity).toBe('low');
    expect(driftMessage('paper.ipynb', report, trans)).toBe(
      'paper.ipynb runs on a different environment than it recorded: ' +
        'numpy 1.26.4 → 2.4.6, serious, imported; six 1.16.0 → 1.17.0, minor.'
    );
  });
});
