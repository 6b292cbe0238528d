import { nullTranslator } from '@jupyterlab/translation';

import { readVerifyJob } from '../../../src/server/verify';
import {
  cellName,
  describeVerifyCell,
  verifyEnding,
  verifyProgress,
  verifySummary
} from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');

/**
 * A reply of the server's verify run, as python/nbrepro/server/jobs.py
 * writes it (Job.as_json), with `nbrepro verify --json`'s report.
 */
function reply(extra: object = {}) {
  return readVerifyJob({
    id: '0123456789abcdef0123456789abcdef',
    path: 'work/nb.ipynb',
    kernel: 'python3',
    state: 'done',
    cells: [
      { cell: 2, id: 'a' },
      { cell: 3, id: 'b' },
      { cell: 4, id: 'c' }
    ],
    running: null,
    done: 3,
    total: 3,
    ran: [],
    seconds: 4.2,
    message: null,
    report: {
      cells: [
        {
          cell: 2,
          id: 'a',
          status: 'same',
          difference: null,
          causes: [],
          notes: []
        },
        {
          cell: 3,
          id: 'b',
          status: 'different',
          difference: {
            where: 'stdout',
            recorded: '0.5',
            now: '0.75',
            line: 1
          },
          causes: ['input data changed: value.txt (read by this cell)'],
          notes: []
        },
        {
          cell: 4,
          id: 'c',
          status: 'different',
          difference: {
            where: 'output 1 image/png',
            recorded: '48x32',
            now: '48x32',
            detail: 'different (max diff 240)'
          },
          causes: [],
          notes: [],
          images: {
            mimetype: 'image/png',
            recorded: 'iVBORw0KGgo=',
            now: 'iVBORw0KGgp='
          }
        }
      ],
      summary: {
        same: 1,
        different: 2,
        error: 0,
        'not recorded': 0,
        'not run': 0
      },
      warnings: [],
      failure: null
    },
    ...extra
  });
}

describe('the words of verify', () => {
  it('says each cell’s result as a person reads it', () => {
    const [same, text, image] = reply().report!.cells;
    expect(describeVerifyCell(same, trans)).toBe(
      'The same outputs as recorded.'
    );
    expect(describeVerifyCell(text, trans)).toBe(
      'printed output differs: recorded “0.5”, now “0.75”. Likely cause: input data changed: value.txt (read by this cell)'
    );
    expect(describeVerifyCell(image, trans)).toBe(
      'display 1: the image differs.'
    );
    // A cell that raises now says what the records know of why.
    const error = {
      ...same,
      status: 'error' as const,
      notes: ['raised FileNotFoundError now'],
      causes: ['input data is gone: data/y.csv (read by this cell)']
    };
    expect(describeVerifyCell(error, trans)).toBe(
      'raised FileNotFoundError now. Likely cause: input data is gone: data/y.csv (read by this cell)'
    );
    expect(describeVerifyCell({ ...error, causes: [] }, trans)).toBe(
      'raised FileNotFoundError now'
    );
  });

  it('sums the run up, and says where it stands', () => {
    const job = reply();
    expect(verifySummary(job.report!, trans)).toBe(
      '1 cell the same, 2 different.'
    );
    const running = reply({
      state: 'running',
      done: 1,
      running: 3,
      report: null
    });
    expect(verifyProgress(running, trans)).toBe(
      'Running cell 2 of 3 in a fresh kernel…'
    );
    const starting = reply({
      state: 'running',
      done: 0,
      running: null,
      report: null
    });
    expect(verifyProgress(starting, trans)).toBe(
      'Starting a fresh kernel on the server…'
    );
    expect(
      verifyEnding(reply({ state: 'cancelled', report: null }), trans)
    ).toBe('Verify cancelled; its kernel was shut down. Nothing was changed.');
    expect(
      verifyEnding(
        reply({
          state: 'timed out',
          report: null,
          message: 'stopped after 30 minutes, the longest a verify run may take'
        }),
        trans
      )
    ).toBe(
      'Verify stopped after 30 minutes, the longest a verify run may take.'
    );
  });

  it('names a cell as the notebook shows it', () => {
    expect(cellName(3, 7, trans)).toBe('cell [7]');
    expect(cellName(3, null, trans)).toBe('code cell 4');
  });
});

describe('readVerifyJob', () => {
  it('refuses what is not a verify run', () => {
    expect(() => readVerifyJob({ state: 'done' })).toThrow(
      'unexpected reply from /nbrepro/verify'
    );
    expect(() => readVerifyJob({ id: 'x', state: 'exploded' })).toThrow();
    expect(() => readVerifyJob('<html>')).toThrow();
  });

  it('keeps an image only when both are base64 PNG or JPEG', () => {
    const forged = reply();
    expect(forged.report!.cells[2].images).not.toBeNull();
    const svg = readVerifyJob({
      id: 'x',
      state: 'done',
      report: {
        cells: [
          {
            cell: 1,
            status: 'different',
            images: {
              mimetype: 'image/svg+xml',
              recorded: 'PHN2Zz4=',
              now: 'PHN2Zz4='
            }
          },
          {
            cell: 2,
            status: 'different',
            images: {
              mimetype: 'image/png',
              recorded: '"><script>',
              now: 'AAAA'
            }
          },
          { cell: 3, status: 'mysterious' }
        ]
      }
    });
    expect(svg.report!.cells.map(c => c.images)).toEqual([null, null]);
    expect(svg.report!.summary.different).toBe(2);
  });
});
