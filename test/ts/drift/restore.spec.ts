import { nullTranslator } from '@jupyterlab/translation';

import { diff } from '../../../src/drift/diff';
import {
  IServerEnvironment,
  restoreGroups,
  restorePlan,
  restoreScript
} from '../../../src/drift/restore';
import { restoreNotes } from '../../../src/vocabulary';

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

  it('groups every package of a manager into one command for the kernel, and never uninstalls', () => {
    const differences = [
      { restore: { pip: 'pip install numpy==1.26.4' } },
      { restore: { pip: 'pip install six==1.16.0' } },
      // What an older report carried for an added package: never offered.
      { restore: { pip: 'pip uninstall -y extra' } },
      { restore: { conda: 'conda remove extra' } },
      { restore: { conda: 'conda install conda-forge::zlib=1.2.13=h0' } }
    ] as any;
    const groups = restoreGroups(differences, {
      python: '/opt/env/bin/python',
      prefix: '/opt/env'
    });
    expect(groups.map(g => g.magic)).toEqual([
      '%conda install -y conda-forge::zlib=1.2.13=h0',
      '%pip install numpy==1.26.4 six==1.16.0'
    ]);
    expect(groups.map(g => g.shell)).toEqual([
      'conda install -p /opt/env -y conda-forge::zlib=1.2.13=h0',
      '/opt/env/bin/python -m pip install numpy==1.26.4 six==1.16.0'
    ]);
  });

  it('keeps a home directory recorded as ~ outside the quotes', () => {
    const [group] = restoreGroups(
      [{ restore: { pip: 'pip install numpy==1.26.4' } }] as any,
      { python: '~/my envs/a/bin/python' }
    );
    expect(group.shell).toBe(
      "~/'my envs/a/bin/python' -m pip install numpy==1.26.4"
    );
  });
});

describe('restorePlan', () => {
  const side = (packages: { [name: string]: string }) => ({
    packages: Object.fromEntries(
      Object.entries(packages).map(([name, version]) => [
        name,
        { name, version, manager: 'pip' }
      ])
    )
  });
  const recorded = side({
    numpy: '1.26.4',
    six: '1.16.0',
    pip: '23.3.1',
    scipy: '1.14.1',
    tornado: '6.4'
  });
  const kernel = side({
    numpy: '2.4.6',
    six: '1.17.0',
    pip: '26.3',
    tornado: '6.6.1',
    jupyterlab: '4.6.6'
  });
  const report = diff(recorded, kernel, { used: ['numpy'] });
  const server: IServerEnvironment = {
    prefixes: ['/srv/venv', '~/srv'],
    needed: ['jupyterlab', 'six', 'tornado', 'pip']
  };

  it('in the server’s own environment: restores only what Jupyter does not need, never pip, never uninstalls', () => {
    const plan = restorePlan(
      report.differences,
      { python: '/srv/venv/bin/python', prefix: '/srv/venv/' },
      server
    );
    expect(plan.sharesServer).toBe(true);
    expect(plan.groups.map(g => g.magic)).toEqual([
      '%pip install numpy==1.26.4 scipy==1.14.1'
    ]);
    expect(plan.held.map(d => d.name).sort()).toEqual(['six', 'tornado']);
    expect(plan.tools.map(d => d.name)).toEqual(['pip']);
    expect(plan.added.map(d => d.name)).toEqual(['jupyterlab']);
    const { warning, notes } = restoreNotes(plan, trans);
    expect(warning).toContain('Jupyter server’s own environment');
    expect(notes).toEqual([
      'six, tornado stay as they are: the Jupyter server, the kernel or nbrepro needs them.',
      'pip 23.3.1 → 26.3: its version changes no result, so it is not changed back.',
      '1 package installed since the recording stays installed: nbrepro never uninstalls anything.'
    ]);
  });

  it('in another environment: restores what changed, still never pip', () => {
    const plan = restorePlan(
      report.differences,
      { python: '/home/me/env/bin/python', prefix: '/home/me/env' },
      server
    );
    expect(plan.sharesServer).toBe(false);
    expect(plan.groups.map(g => g.magic)).toEqual([
      '%pip install numpy==1.26.4 scipy==1.14.1 six==1.16.0 tornado==6.4'
    ]);
    expect(plan.tools.map(d => d.name)).toEqual(['pip']);
  });

  it('without the server part: leaves the kernel machinery alone', () => {
    const plan = restorePlan(report.differences, { prefix: '/x' }, null);
    expect(plan.held.map(d => d.name)).toEqual(['tornado']);
    expect(plan.groups.map(g => g.magic)).toEqual([
      '%pip install numpy==1.26.4 scipy==1.14.1 six==1.16.0'
    ]);
  });
});
