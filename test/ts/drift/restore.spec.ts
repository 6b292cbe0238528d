import { diff } from '../../../src/drift/diff';
import { restoreGroups, restoreScript } from '../../../src/drift/restore';

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
