import * as fs from 'fs';
import * as path from 'path';

import { readDocumentMeta } from '../../../src/record/document';
import { IEnvironment } from '../../../src/record/model';
import {
  countPackages,
  packageRows,
  parseCondaEntry
} from '../../../src/record/packages';

/**
 * A recorded environment as the door gives it, with these conda packages and
 * pip distributions.
 */
function environment(
  conda: Partial<NonNullable<IEnvironment['conda']>> | null,
  distributions: IEnvironment['pip']['distributions'] = []
): IEnvironment {
  return {
    python: {
      version: '3.12.7',
      implementation: 'cpython',
      executable_kind: 'conda',
      prefix: '/opt/env'
    },
    platform: {
      system: 'Linux',
      release: '6.1',
      machine: 'x86_64',
      libc: { name: 'glibc', version: '2.36' }
    },
    conda: conda && {
      prefix: '/opt/env',
      channels: [],
      packages: [],
      ...conda
    },
    pip: { distributions }
  };
}

describe('parseCondaEntry', () => {
  it('splits channel, subdir and file name', () => {
    expect(
      parseCondaEntry(
        'conda-forge/linux-64/python-3.11.7-hab00c5b_1_cpython.conda#0e1ac2c7'
      )
    ).toEqual({
      name: 'python',
      version: '3.11.7',
      build: 'hab00c5b_1_cpython',
      origin: 'conda-forge',
      manager: 'conda'
    });
  });

  it('keeps dashes in names and handles .tar.bz2 and URL channels', () => {
    expect(
      parseCondaEntry(
        'https://repo.example.org/pkgs/main/noarch/typing-extensions-4.12.2-py_0.tar.bz2'
      )
    ).toMatchObject({
      name: 'typing-extensions',
      version: '4.12.2',
      build: 'py_0',
      origin: 'https://repo.example.org/pkgs/main'
    });
  });

  it('rejects what is not a package file name', () => {
    expect(parseCondaEntry('garbage')).toBeNull();
    expect(parseCondaEntry('a/b/nodashes.conda')).toBeNull();
  });
});

describe('packageRows', () => {
  const recorded = environment(
    {
      packages: [
        'conda-forge/linux-64/zlib-1.3.1-h4ab18f5_1.conda#abc',
        'conda-forge/noarch/pip-24.0-pyhd8ed1ab_0.conda#def'
      ]
    },
    [
      { name: 'Requests', version: '2.32.3' },
      { name: 'requests', version: '2.0.0', shadowed_by: 0 },
      {
        name: 'mylib',
        version: '0.1',
        source: {
          url: 'https://example.org/mylib.git',
          vcs_info: { vcs: 'git', commit_id: '0123456789abcdef0123' }
        }
      },
      { name: '<img src=x onerror=alert(1)>', version: '1.0' }
    ]
  );

  it('lists conda packages and pip distributions, sorted by name', () => {
    const rows = packageRows(recorded);
    expect(rows.map(row => row.name)).toEqual([
      '<img src=x onerror=alert(1)>',
      'mylib',
      'pip',
      'Requests',
      'zlib'
    ]);
    expect(rows.find(row => row.name === 'mylib')?.origin).toBe(
      'git+https://example.org/mylib.git@0123456789ab'
    );
    expect(rows.find(row => row.name === 'Requests')?.origin).toBe('pypi');
  });

  it('applies overrides to records whose string does not describe them', () => {
    const rows = packageRows(
      environment({
        packages: ['mirror/linux-64/odd_name-1.0-0.conda#ab'],
        overrides: { '0': { name: 'odd-name', channel: 'conda-forge' } }
      })
    );
    expect(rows).toEqual([
      {
        name: 'odd-name',
        version: '1.0',
        build: '0',
        origin: 'conda-forge',
        manager: 'conda'
      }
    ]);
  });

  it('never sees odd values: the door drops them, and says so', () => {
    // A real recorded environment (a read vector's), with odd entries added.
    const vector = JSON.parse(
      fs.readFileSync(
        path.resolve(
          __dirname,
          '..',
          '..',
          'vectors',
          'metadata',
          '64-read-conda-package-a-bare-name.json'
        ),
        'utf-8'
      )
    );
    const [id, snapshot] = Object.entries(
      vector.expected.notebook.snapshots
    )[0] as [string, any];
    const good = snapshot.environment;
    const odd = JSON.parse(JSON.stringify(good));
    odd.conda.packages.push(42);
    odd.pip.distributions.push(
      { name: '<img src=x onerror=alert(1)>', version: { not: 'a string' } },
      'not an object'
    );
    const read = readDocumentMeta({
      schema_version: 1,
      current: id,
      snapshots: { [id]: { ...snapshot, environment: odd } },
      runs: {}
    });
    const problems = read.problems.map(problem => problem.split(' (')[0]);
    expect(problems).toEqual([
      `snapshot ${id}: environment/pip/distributions/${good.pip.distributions.length + 1} does not match the schema`,
      `snapshot ${id}: environment/pip/distributions/${good.pip.distributions.length} does not match the schema`,
      `snapshot ${id}: environment/conda/packages/${good.conda.packages.length} does not match the schema`
    ]);
    const rows = packageRows(read.value.snapshots[id].environment);
    expect(rows).toEqual(packageRows(good));
    expect(rows.some(row => row.name.startsWith('<'))).toBe(false);
  });

  it('counts packages the way the status bar shows them', () => {
    // A distribution that import does not find is not counted.
    expect(countPackages(recorded)).toBe(5);
    expect(countPackages(environment(null))).toBe(0);
  });
});
