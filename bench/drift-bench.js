/**
 * Drift diff benchmark for the TypeScript side: 2,000 against 2,000 packages,
 * 10% changed, the same data as bench/drift_bench.py.
 *
 *   node bench/drift-bench.js [--runs N]
 *
 * The TypeScript sources (src/) are compiled on the fly to CommonJS with the
 * typescript package's transpileModule (no build needed); JSON imports load
 * natively and the ESM @renovatebot/pep440 through Node's require(esm)
 * (Node >= 20.19).
 * Target (PRODUCT.md): median under 5 ms.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf-8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2020,
      esModuleInterop: true,
      resolveJsonModule: true
    },
    fileName: filename
  });
  module._compile(outputText, filename);
};

const { diff, packageView } = require(
  path.join(__dirname, '..', 'src', 'drift', 'diff.ts')
);

const COUNT = 2000;

function environments() {
  const beforeConda = [];
  const afterConda = [];
  const beforePip = [];
  const afterPip = [];
  for (let i = 0; i < COUNT; i++) {
    const version = `${1 + (i % 7)}.${i % 13}.${i % 5}`;
    const changed = i % 10 === 0 && i < 1500;
    const newVersion = changed
      ? [
          `${9 + (i % 7)}.0.0`,
          `${1 + (i % 7)}.${20 + (i % 13)}.0`,
          version + '.1',
          version
        ][Math.floor(i / 10) % 4]
      : version;
    const build = `py311h${i.toString(16).padStart(7, '0')}_0`;
    const newBuild =
      changed && newVersion === version ? build.slice(0, -1) + '1' : build;
    const name = `package-${String(i).padStart(4, '0')}`;
    if (i < 1500) {
      beforeConda.push(
        `conda-forge/linux-64/${name}-${version}-${build}.conda`
      );
      afterConda.push(
        `conda-forge/linux-64/${name}-${newVersion}-${newBuild}.conda`
      );
    } else {
      beforePip.push({ name, version });
      if (i % 20 !== 1) {
        afterPip.push({ name, version });
      }
    }
  }
  for (let i = 0; i < 25; i++) {
    afterPip.push({
      name: `added-library-${String(i).padStart(2, '0')}`,
      version: '1.0'
    });
  }
  const env = (conda, pip) => ({
    python: { version: '3.11.7' },
    conda: {
      channels: ['conda-forge'],
      channel_urls: { 'conda-forge': 'https://conda.anaconda.org/conda-forge' },
      packages: conda
    },
    pip: { distributions: pip }
  });
  return [env(beforeConda, beforePip), env(afterConda, afterPip)];
}

function medianMs(fn, runs) {
  for (let i = 0; i < 20; i++) {
    fn(); // warm: JIT, and the popular-names index builds once
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const runsAt = process.argv.indexOf('--runs');
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 500;
const [before, after] = environments();
const old = { packages: packageView(before), python: '3.11.7' };
const now = { packages: packageView(after), python: '3.11.7' };
const report = diff(old, now);
const views = medianMs(() => diff(old, now), runs);
const stored = medianMs(
  () => diff({ environment: before }, { environment: after }),
  runs
);
console.log(
  JSON.stringify(
    {
      packages: [
        Object.keys(old.packages).length,
        Object.keys(now.packages).length
      ],
      differences: report.differences.length,
      counts: report.counts,
      runs,
      median_ms_views: Number(views.toFixed(3)),
      median_ms_environments: Number(stored.toFixed(3)),
      target_ms: 5
    },
    null,
    2
  )
);
