/**
 * The TypeScript drift diff against the shared vectors (test/vectors/drift/,
 * run by test/python/test_drift_vectors.py too), and bad input that must
 * give problems, never an exception.
 */
import * as fs from 'fs';
import * as path from 'path';

import {
  diff,
  diffSides,
  KINDS,
  notebookContext,
  packageView,
  quote,
  SEVERITIES,
  usedDistributions
} from '../../../src/drift/diff';
import {
  describeSource,
  readSide,
  sideFromEnvironment
} from '../../../src/drift/view';
import { compareVersions } from '../../../src/drift/versions';
import { edits, nearPopular } from '../../../src/drift/supplychain';

const VECTORS = path.join(__dirname, '..', '..', 'vectors', 'drift');
const SCHEMA = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'schema',
  'drift.schema.json'
);

const vectors = fs
  .readdirSync(VECTORS)
  .filter(name => name.endsWith('.json'))
  .sort();

describe('shared drift vectors', () => {
  it('are there, at least 15', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(15);
  });

  it.each(vectors)('%s', name => {
    const vector = JSON.parse(
      fs.readFileSync(path.join(VECTORS, name), 'utf-8')
    );
    expect(diff(vector.before, vector.after, vector.context)).toEqual(
      vector.expected
    );
  });

  it('cover every kind and severity', () => {
    const kinds = new Set<string>();
    const severities = new Set<string>();
    for (const name of vectors) {
      const vector = JSON.parse(
        fs.readFileSync(path.join(VECTORS, name), 'utf-8')
      );
      for (const item of vector.expected.differences) {
        kinds.add(item.kind);
        severities.add(item.severity);
      }
    }
    expect([...kinds].sort()).toEqual([...KINDS].sort());
    expect([...severities].sort()).toEqual([...SEVERITIES].sort());
  });
});

describe('vocabulary', () => {
  it('is the schema’s', () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf-8'));
    expect(schema.$defs.kind.enum).toEqual([...KINDS]);
    expect(schema.$defs.severity.enum).toEqual([...SEVERITIES]);
  });
});

describe('versions', () => {
  it.each([
    ['1.0', '1.0.0', 0, 'same'],
    ['1.2.3', '2.0', -1, 'major'],
    ['1.2.3', '1.3', -1, 'minor'],
    ['1.2.3', '1.2.4', -1, 'patch'],
    ['2.0rc1', '2.0', -1, 'patch'],
    ['1.2', '1.2.post1', -1, 'post'],
    ['1.2+a', '1.2+b', -1, 'local'],
    ['1!2.0', '2.0', 1, 'major'],
    ['9d', '9e', -1, 'minor'],
    ['1.1.1w', '1.1.1k', 1, 'patch'],
    ['master', '1.0', -1, 'major'],
    ['3.11.*', '3.11.7', 0, 'same'],
    ['3.9.*', '3.11.7', -1, 'minor'],
    ['0.1.dev', '0.1post', -1, 'patch']
  ])('%s -> %s', (a, b, order, distance) => {
    expect(compareVersions(a, b)).toEqual([order, distance]);
  });
});

describe('supply chain', () => {
  it('finds names near popular ones, and not the popular ones', () => {
    expect(nearPopular('reqeusts')).toEqual(['requests', 1]);
    expect(nearPopular('scikit-laern')).toEqual(['scikit-learn', 1]);
    expect(nearPopular('requests')).toBeNull();
    expect(nearPopular('six')).toBeNull();
  });

  it('counts a transposition as one edit', () => {
    expect(edits('numpy', 'nupmy', 2)).toBe(1);
    expect(edits('abcdef', 'badcfe', 2)).toBe(3);
  });
});

describe('notebook context', () => {
  const meta = {
    runs: {
      aaaaaaaaaaaaaaaa: {
        modules: { numpy: 'numpy', PIL: 'Pillow', local: null }
      },
      bbbbbbbbbbbbbbbb: {
        modules: { torch: 'torch', google: ['protobuf', 'Google_Auth'] }
      }
    }
  };

  it('lists imported distributions, normalised', () => {
    expect(usedDistributions(meta)).toEqual([
      'google-auth',
      'numpy',
      'pillow',
      'protobuf',
      'torch'
    ]);
    expect(usedDistributions({})).toBeNull();
    expect(usedDistributions('garbage')).toBeNull();
  });

  it('knows when a GPU framework is imported', () => {
    expect(notebookContext(meta, ['lib*'])).toEqual({
      used: ['google-auth', 'numpy', 'pillow', 'protobuf', 'torch'],
      gpu_framework_imported: true,
      ignore: ['lib*']
    });
  });
});

describe('bad input', () => {
  it('reads a 10 MB package list partially, with a problem', () => {
    const packages: string[] = [];
    for (let i = 0; packages.length * 100 < 10 * 1024 * 1024; i++) {
      packages.push(
        `conda-forge/linux-64/package-number-${i}-1.0.${i}-py311h${'0'.repeat(40)}_0.conda#${'a'.repeat(32)}`
      );
    }
    const environment = { conda: { packages }, pip: { distributions: [] } };
    const problems: string[] = [];
    const view = packageView(environment, problems);
    expect(Object.keys(view).length).toBe(20000);
    expect(problems).toEqual([
      'environment.conda.packages has more than 20000 entries; the rest were ignored'
    ]);
    const report = diff(
      { environment },
      { environment: { conda: { packages: [] } } }
    );
    expect(report.counts.low).toBe(0);
    expect(report.differences.length).toBe(20000);
    expect(report.problems.length).toBe(1);
  });

  it.each([
    undefined,
    null,
    42,
    'text',
    [],
    { packages: [] },
    { environment: 'x' }
  ])('never throws on %p', value => {
    expect(() => diff(value, value, value)).not.toThrow();
  });

  it('quotes for the shell', () => {
    expect(quote('numpy==1.0')).toBe('numpy==1.0');
    expect(quote("a'b")).toBe(`'a'"'"'b'`);
  });
});

describe('diffSides (a recorded snapshot against the kernel, as capture compares them)', () => {
  const read = (name: string) =>
    JSON.parse(
      fs.readFileSync(
        path.join(__dirname, '..', '..', 'vectors', 'metadata', name),
        'utf-8'
      )
    );

  it('gives the report diff gives, without reading the sides again', () => {
    const vector = read('64-read-conda-package-a-bare-name.json');
    const recorded: any = Object.values(vector.expected.notebook.snapshots)[0];
    const before = recorded.environment;
    const after = JSON.parse(JSON.stringify(before));
    after.python.version = '3.12.8';
    after.conda.packages = after.conda.packages
      .slice(1)
      .map((entry: string) => entry.replace('pip-24.3.1', 'pip-25.0'));
    const context = notebookContext(
      { runs: { aaaaaaaaaaaaaaaa: { modules: { pip: 'pip' } } } },
      ['wheel']
    );
    const old = sideFromEnvironment(before);
    const now = sideFromEnvironment(after);
    const report = diffSides(old, now, context);
    expect(report.differences.length).toBeGreaterThan(2);
    expect(report).toEqual(diff(old, now, context));
  });

  it('agrees with diff on every well-formed shared vector', () => {
    for (const name of vectors) {
      const vector = JSON.parse(
        fs.readFileSync(path.join(VECTORS, name), 'utf-8')
      );
      if (vector.expected.problems.length > 0) {
        continue;
      }
      const problems: string[] = [];
      const report = diffSides(
        readSide(vector.before, 'before', problems),
        readSide(vector.after, 'after', problems),
        vector.context ?? {}
      );
      expect(problems).toEqual([]);
      expect(report).toEqual(vector.expected);
    }
  });
});

describe('describeSource', () => {
  it('names an archive by its sha256, as the Python view does', () => {
    const hex = 'AB'.repeat(32);
    const url = 'file:///home/a/dist/x-1.0-py3-none-any.whl';
    expect(
      describeSource({ url, archive_info: { hashes: { sha256: hex } } })
    ).toBe(`${url}#sha256=${hex.toLowerCase()}`);
    expect(
      describeSource({ url, archive_info: { hash: `sha256=${hex}` } })
    ).toBe(`${url}#sha256=${hex.toLowerCase()}`);
    expect(describeSource({ url, archive_info: { hash: 'md5=00' } })).toBe(url);
  });
});
