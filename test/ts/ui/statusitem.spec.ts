import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CaptureState } from '../../../src/tokens';
import { StatusItem } from '../../../src/ui/statusitem';

const trans = nullTranslator.load('nbrepro');

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
});
