/**
 * The front end's words against the shared vectors (test/vectors/words/),
 * which test/python/test_word_vectors.py runs against the Python words: the
 * panel, the toast, the status item and the export dialog say what the
 * bundle README and the export check say.
 */
import { nullTranslator } from '@jupyterlab/translation';
import * as fs from 'fs';
import * as path from 'path';

import {
  cellNumbers,
  cellRange,
  condaFiles,
  changeText,
  determinismLines,
  environmentNames,
  kindWord,
  seedingLines,
  severityCounts,
  severityTitle,
  staleLines,
  writtenFor
} from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');
const VECTORS = path.join(__dirname, '..', '..', 'vectors', 'words');

const FUNCTIONS: { [name: string]: (...args: any[]) => unknown } = {
  cell_range: numbers => cellRange(numbers, trans),
  cell_numbers: cells =>
    cellNumbers(
      cells.map((c: any) => ({
        executionCount: c.execution_count,
        recorded: c.recorded
      }))
    ),
  severity_counts: counts => severityCounts(counts, trans),
  severity_title: severity => severityTitle(severity, trans),
  change: item => changeText(item, trans),
  kind_word: item => kindWord(item, trans),
  seeding_lines: cells => seedingLines(cells, trans),
  determinism_lines: cells => determinismLines(cells, trans),
  stale_lines: cells => staleLines(cells, trans),
  environment_names: (entries, used) => environmentNames(entries, used, trans),
  written_for: conda => writtenFor(conda, trans),
  conda_files: environment => condaFiles(environment, trans)
};

const files = fs
  .readdirSync(VECTORS)
  .filter(name => name.endsWith('.json'))
  .sort();

describe('shared word vectors', () => {
  it('cover every function', () => {
    const named = new Set(
      files.map(
        name =>
          JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf-8'))
            .function
      )
    );
    expect([...named].sort()).toEqual(Object.keys(FUNCTIONS).sort());
  });

  it.each(files)('%s', name => {
    const vector = JSON.parse(
      fs.readFileSync(path.join(VECTORS, name), 'utf-8')
    );
    const fn = FUNCTIONS[vector.function];
    for (const item of vector.cases) {
      expect(fn(...item.args)).toEqual(item.expected);
    }
  });
});
