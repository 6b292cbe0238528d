import { nullTranslator } from '@jupyterlab/translation';

import { diff, notebookContext } from '../../src/drift';
import { restoreGroups, restoreScript } from '../../src/driftpanel';
import { driftMessage } from '../../src/notify';
import { describeHeader } from '../../src/sidebar';
import {
  describeChange,
  describeGpu,
  describePlatform,
  describePython,
  describeTime
} from '../../src/words';
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
    expect(script[0]).toMatch(/^conda install -y .*zlib=1\.2\.13=h0/);
    expect(script[1]).toBe('python -m pip install numpy==1.26.4');
  });

  it('groups every package of a manager into one command for the kernel', () => {
    const differences = [
      { restore: { pip: 'pip install numpy==1.26.4' } },
      { restore: { pip: 'pip install six==1.16.0' } },
      { restore: { pip: 'pip uninstall -y extra' } },
      { restore: { conda: 'conda install conda-forge::zlib=1.2.13=h0' } }
    ] as any;
    const groups = restoreGroups(differences, {
      python: '/opt/env/bin/python',
      prefix: '/opt/env'
    });
    expect(groups.map(g => g.magic)).toEqual([
      '%conda install -y conda-forge::zlib=1.2.13=h0',
      '%pip install numpy==1.26.4 six==1.16.0',
      '%pip uninstall -y extra'
    ]);
    expect(groups.map(g => g.shell)).toEqual([
      'conda install -p /opt/env -y conda-forge::zlib=1.2.13=h0',
      '/opt/env/bin/python -m pip install numpy==1.26.4 six==1.16.0',
      '/opt/env/bin/python -m pip uninstall -y extra'
    ]);
  });
});

describe('words for people', () => {
  it('says what the interpreter and platform are', () => {
    expect(
      describePython(
        {
          version: '3.11.7',
          implementation: 'cpython',
          executable_kind: 'venv'
        },
        trans
      )
    ).toBe('Python 3.11.7 (CPython) in a virtual environment');
    expect(
      describePlatform(
        {
          machine: 'x86_64',
          os: { pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
          libc: 'glibc 2.36'
        },
        trans
      )
    ).toBe('Debian GNU/Linux 12 (bookworm), x86_64, glibc 2.36');
    expect(describeGpu({ devices: [], env: {} }, trans)).toEqual([
      ['GPU', 'none detected']
    ]);
  });

  it('labels each GPU fact', () => {
    const rows = describeGpu(
      {
        devices: [{ name: 'A100' }, { name: 'A100' }],
        driver_version: '550.54',
        cuda_driver_version: '12.4'
      },
      trans
    );
    expect(rows).toEqual([
      ['GPU', '2 × A100'],
      ['Driver', '550.54'],
      ['CUDA (driver supports)', '12.4']
    ]);
  });

  it('gives times with how long ago', () => {
    const now = Date.parse('2026-11-26T16:00:00Z');
    expect(describeTime('2026-11-26T14:00:00Z', now)).toMatch(/2 hours ago\)$/);
    expect(describeTime('not a time', now)).toBe('not a time');
  });

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

  it('puts the state in words', () => {
    const recorded = {
      kind: 'recorded' as const,
      envId: 'x',
      packages: 1,
      snapshots: 1,
      drift: 'none' as const
    };
    expect(describeHeader(recorded, true, trans).text).toBe(
      'Recorded and matching'
    );
    expect(describeHeader(recorded, false, trans).text).toBe(
      'Not recorded yet'
    );
    expect(
      describeHeader({ ...recorded, drift: 'high' }, true, trans).text
    ).toBe('Serious drift');
    expect(
      describeHeader({ kind: 'unsupported', language: 'bash' }, true, trans)
        .text
    ).toBe('Not a Python kernel');
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
    const text = describeCaptureState(
      { ...recorded, drift: 'high' },
      true,
      trans
    );
    expect(text.label).toBe('nbrepro: serious drift');
    expect(text.level).toBe('error');
  });

  it('says minor drift for medium and low', () => {
    for (const drift of ['medium', 'low'] as const) {
      expect(
        describeCaptureState({ ...recorded, drift }, true, trans).label
      ).toBe('nbrepro: minor drift');
    }
  });

  it('shows the snapshot when the kernel matches (or differs only for information)', () => {
    for (const drift of ['none', 'info'] as const) {
      const text = describeCaptureState({ ...recorded, drift }, true, trans);
      expect(text.label).toBe('nbrepro: 01234567 · 12 packages');
      expect(text.level).toBe('ok');
    }
  });
});
