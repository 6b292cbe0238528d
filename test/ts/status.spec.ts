import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CaptureState } from '../../src/capture';
import {
  describeCaptureState,
  describeServerState,
  StatusItem
} from '../../src/status';

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

describe('StatusItem', () => {
  it('shows server text as text, never as HTML', () => {
    let clicks = 0;
    const item = new StatusItem(trans, () => (clicks += 1));
    Widget.attach(item, document.body);
    const payload = '<img src=x onerror="window.__pwned = 1">';
    item.setState({ kind: 'error', detail: payload });
    expect(item.node.querySelector('img')).toBeNull();
    expect(item.node.title).toContain(payload);
    expect(item.node.dataset.state).toBe('error');
    item.node.click();
    item.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    expect(clicks).toBe(2);
    expect((window as any).__pwned).toBeUndefined();
    Widget.detach(item);
    item.dispose();
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

  it('says "not recorded yet" while the environment is only held in memory, as the sidebar does', () => {
    const item = new StatusItem(trans, () => undefined);
    item.setState({
      kind: 'ok',
      info: { name: 'nbrepro', version: '1', api_version: 1, python: '' }
    });
    item.setCapture(held, false);
    expect(item.node.textContent).toBe('nbrepro: not recorded yet');
    expect(item.node.textContent).not.toContain('01234567');
    expect(item.node.title).toContain('run a cell');
    expect(item.node.title).not.toContain('Click');
    item.setCapture(held, true);
    expect(item.node.textContent).toBe('nbrepro: 01234567 · 12 packages');
    expect(item.node.title).toContain(
      'Click to show the recorded environment.'
    );
    item.dispose();
  });

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
