import { nullTranslator } from '@jupyterlab/translation';

import { CaptureState } from '../../../src/tokens';
import {
  describeCaptureState,
  describeHeader,
  describeServerState
} from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');

describe('describeServerState', () => {
  it('tells the user what to do when the server part is missing', () => {
    const text = describeServerState(
      { kind: 'missing', detail: '404 Not Found' },
      trans
    );
    expect(text.level).toBe('error');
    expect(text.label).toBe('nbrepro: server part missing');
    expect(text.title).toContain('pip install nbrepro');
    expect(text.title).toContain('404 Not Found');
    // Toasts are cut at 140 characters: the notice must fit whole.
    expect(text.notice).toContain('pip install nbrepro');
    expect(text.notice!.length).toBeLessThanOrEqual(140);
  });

  it('names the version when all is well', () => {
    const text = describeServerState(
      {
        kind: 'ok',
        info: { name: 'nbrepro', version: '1.2.3', api_version: 1, python: '' }
      },
      trans
    );
    expect(text.level).toBe('ok');
    expect(text.title).toContain('1.2.3');
  });
});

describe('the state in words', () => {
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

describe('the status item of a notebook', () => {
  const held: CaptureState = {
    kind: 'recorded',
    envId: '0123456789abcdef',
    packages: 12,
    snapshots: 1,
    drift: 'none'
  };

  it('keeps "Click to…" for the indicator and names the dialog\'s "Open panel" instead', () => {
    const states: CaptureState[] = [
      held,
      { ...held, drift: 'high' },
      { ...held, drift: 'low' },
      { kind: 'failed', reason: 'no python' }
    ];
    for (const state of states) {
      const text = describeCaptureState(state, true, trans);
      expect(text.title).not.toMatch(/click/i);
      expect(text.click).toMatch(/^Click /);
      expect(text.panel).toMatch(/^Open the panel /);
    }
  });
});
