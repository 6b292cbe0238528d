import {
  countPackages,
  describeDeterminism,
  describeSeeding,
  flattenFacts,
  packageRows,
  parseCondaEntry
} from '../../src/environment';

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
  const environment = {
    conda: {
      packages: [
        'conda-forge/linux-64/zlib-1.3.1-h4ab18f5_1.conda#abc',
        'conda-forge/noarch/pip-24.0-pyhd8ed1ab_0.conda#def',
        42
      ]
    },
    pip: {
      distributions: [
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
        { name: '<img src=x onerror=alert(1)>', version: { not: 'a string' } },
        'not an object'
      ]
    }
  };

  it('lists conda packages and pip distributions, sorted by name', () => {
    const rows = packageRows(environment);
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
    const rows = packageRows({
      conda: {
        packages: ['mirror/linux-64/odd_name-1.0-0.conda#ab'],
        overrides: { '0': { name: 'odd-name', channel: 'conda-forge' } }
      }
    });
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

  it('turns odd values into text instead of failing', () => {
    const odd = packageRows(environment).find(row => row.name.startsWith('<'));
    expect(odd?.version).toBe('{"not":"a string"}');
    expect(packageRows(null)).toEqual([]);
    expect(packageRows({ conda: 'x', pip: [] })).toEqual([]);
  });

  it('counts packages the way the status bar shows them', () => {
    // Entries that are not packages are not counted.
    expect(countPackages(environment)).toBe(5);
    expect(countPackages(undefined)).toBe(0);
  });
});

describe('what the panel says about a run', () => {
  const run = {
    seeds: {
      status: 'seeded',
      calls: [
        { kind: 'call', func: 'random.seed', args: [{ literal: 42 }] },
        {
          kind: 'call',
          func: 'torch.manual_seed',
          args: [{ name: 'SEED', value_at_capture: 7 }]
        },
        {
          kind: 'env',
          func: 'os.environ',
          name: 'PYTHONHASHSEED',
          value: { literal: '0' },
          effective: false
        }
      ],
      recovered: { 'torch.initial_seed': 7, 'numpy.legacy_seed': null }
    },
    determinism: {
      env: { CUBLAS_WORKSPACE_CONFIG: ':4096:8', OMP_NUM_THREADS: null },
      torch: { deterministic_algorithms: true }
    }
  };

  it('writes seeding calls as code and recovered seeds as values', () => {
    expect(describeSeeding(run)).toBe(
      'random.seed(42); torch.manual_seed(SEED=7); PYTHONHASHSEED="0" (no effect at run time); torch.initial_seed = 7'
    );
    expect(describeSeeding({})).toBe('');
  });

  it('lists only the determinism settings that are set', () => {
    expect(describeDeterminism(run)).toBe(
      'env.CUBLAS_WORKSPACE_CONFIG=:4096:8, torch.deterministic_algorithms=true'
    );
  });

  it('flattens facts and skips what is empty', () => {
    expect(
      flattenFacts(
        { driver: '550.1', devices: [{ name: 'H100' }], env: {}, x: null },
        'gpu'
      )
    ).toEqual([
      ['gpu.driver', '550.1'],
      ['gpu.devices[0].name', 'H100']
    ]);
  });
});
