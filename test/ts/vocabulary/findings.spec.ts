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
    expect(finding.message).toContain('1 high');
    expect(finding.message).toContain('numpy 2.0.0 → 1.26.4');
  });

  it('finds nothing when the kernel runs the recorded environment', () => {
    const report = diff(side('2.0.0'), side('2.0.0'), { used: ['numpy'] });
    expect(kernelDriftFindings(report, trans)).toEqual([]);
  });
});
