import { nullTranslator } from '@jupyterlab/translation';

import { diff } from '../../../src/drift/diff';
import { kernelDriftFindings } from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');

describe('kernelDriftFindings', () => {
  const side = (numpy: string) => ({
    packages: { numpy: { name: 'numpy', version: numpy, manager: 'pip' } }
  });

  it('names what changed between the recorded and the kernel environment', () => {
    const report = diff(side('2.0.0'), side('1.26.4'), { used: ['numpy'] });
    const [finding, ...rest] = kernelDriftFindings(report, trans);
    expect(rest).toHaveLength(0);
    expect(finding.kind).toBe('drift');
    // The panel's and the README's words: severities, removed (issue 23).
    expect(finding.message).toContain('(1 serious; numpy 2.0.0 → 1.26.4)');
    expect(finding.message).not.toMatch(/\b(high|medium|low|info)\b/);
    expect(finding.message).toMatch(/run the cells again before exporting$/);
  });

  it('says removed as every surface says it', () => {
    const removed = diff(side('2.0.0'), { packages: {} }, { used: [] });
    const [finding] = kernelDriftFindings(removed, trans);
    expect(finding.message).toContain('numpy 2.0.0, removed');
    expect(finding.message).not.toContain('→ -');
  });

  it('finds nothing when the kernel runs the recorded environment', () => {
    const report = diff(side('2.0.0'), side('2.0.0'), { used: ['numpy'] });
    expect(kernelDriftFindings(report, trans)).toEqual([]);
  });
});
