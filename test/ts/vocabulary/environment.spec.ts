import { nullTranslator } from '@jupyterlab/translation';

import {
  describeGpu,
  describePlatform,
  describePython,
  describeTime
} from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');

describe('words for people', () => {
  it('says what the interpreter and platform are', () => {
    expect(
      describePython(
        {
          version: '3.11.7',
          implementation: 'cpython',
          executable_kind: 'venv',
          prefix: '/opt/env'
        },
        trans
      )
    ).toBe('Python 3.11.7 (CPython) in a virtual environment');
    expect(
      describePlatform(
        {
          system: 'Linux',
          release: '6.1.0',
          machine: 'x86_64',
          os: { pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
          libc: { name: 'glibc', version: '2.36' }
        },
        trans
      )
    ).toBe('Debian GNU/Linux 12 (bookworm), x86_64, glibc 2.36');
    const none = {
      devices: [],
      driver_version: null,
      cuda_driver_version: null
    };
    expect(describeGpu(none, trans)).toEqual([['GPU', 'none detected']]);
  });
  it('labels each GPU fact', () => {
    const rows = describeGpu(
      {
        devices: [
          { name: 'A100', memory_total_mib: null },
          { name: 'A100', memory_total_mib: null }
        ],
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
});
