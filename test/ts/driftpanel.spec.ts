import { nullTranslator } from '@jupyterlab/translation';

import { diff } from '../../src/drift';
import { restoreScript } from '../../src/driftpanel';
import { describeCaptureState } from '../../src/status';

const trans = nullTranslator.load('nbrepro');

describe('restoreScript', () => {
  it('gives conda lines first, then pip lines, from a real diff', () => {
    const before = {
      packages: {
        numpy: { name: 'numpy', version: '1.26.4', manager: 'pip' },
        zlib: {
          name: 'zlib',
          version: '1.2.13',
          build: 'h0',
          manager: 'conda',
          channel: 'conda-forge'
        }
      }
    };
    const after = {
      packages: {
        numpy: { name: 'numpy', version: '2.0.0', manager: 'pip' },
        zlib: {
          name: 'zlib',
          version: '1.3.1',
          build: 'h1',
          manager: 'conda',
          channel: 'conda-forge'
        }
      }
    };
    const report = diff(before, after, { used: ['numpy'] });
    expect(report.severity).toBe('high');
    const script = restoreScript(report.differences);
    expect(script).toHaveLength(2);
    expect(script[0]).toMatch(/^conda install .*zlib=1\.2\.13=h0/);
    expect(script[1]).toBe('pip install numpy==1.26.4');
  });
});

describe('the status item with drift', () => {
  const recorded = {
    kind: 'recorded' as const,
    envId: '0123456789abcdef',
    packages: 12,
    snapshots: 2
  };

  it('says serious drift for high severities', () => {
    const text = describeCaptureState({ ...recorded, drift: 'high' }, trans);
    expect(text.label).toBe('nbrepro: serious drift');
    expect(text.level).toBe('error');
  });

  it('says minor drift for medium and low', () => {
    for (const drift of ['medium', 'low'] as const) {
      expect(describeCaptureState({ ...recorded, drift }, trans).label).toBe(
        'nbrepro: minor drift'
      );
    }
  });

  it('shows the snapshot when the kernel matches (or differs only for information)', () => {
    for (const drift of ['none', 'info'] as const) {
      const text = describeCaptureState({ ...recorded, drift }, trans);
      expect(text.label).toBe('nbrepro: 01234567 · 12 packages');
      expect(text.level).toBe('ok');
    }
  });
});
