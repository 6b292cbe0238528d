import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { el } from './dom';
import { IDrift, NotebookCapture } from './capture';
import { IDifference, SEVERITIES } from './drift';

/**
 * The commands that bring back the recorded versions, one line per manager,
 * ready to paste in a terminal. Pure, so that it is tested without a browser.
 */
export function restoreScript(differences: IDifference[]): string[] {
  const pip: string[] = [];
  const conda: string[] = [];
  for (const difference of differences) {
    if (difference.restore?.pip) {
      pip.push(difference.restore.pip);
    }
    if (difference.restore?.conda) {
      conda.push(difference.restore.conda);
    }
  }
  return [...conda, ...pip];
}

/**
 * The drift panel: what differs between the environment a notebook recorded
 * and its kernel, grouped by severity, with the commands that restore it.
 */
export class DriftPanel extends Widget {
  constructor(
    private readonly _capture: NotebookCapture,
    private readonly _trans: TranslationBundle,
    title: string
  ) {
    super();
    this.addClass('jp-nbrepro-Panel');
    this.addClass('jp-nbrepro-DriftPanel');
    this.title.label = _trans.__('Drift: %1', title);
    this.title.closable = true;
    _capture.driftChanged.connect(this.render, this);
    this.render();
  }

  render(): void {
    const trans = this._trans;
    const drift: IDrift | null = this._capture.drift;
    this.node.textContent = '';
    this.node.appendChild(el('h2', undefined, trans.__('Environment drift')));
    if (!drift || drift.report.differences.length === 0) {
      this.node.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-empty',
          trans.__(
            'The kernel matches the environment recorded in this notebook.'
          )
        )
      );
      return;
    }
    const { report } = drift;
    this.node.appendChild(
      el(
        'p',
        'jp-nbrepro-Panel-id',
        trans.__(
          'Recorded snapshot %1 against the kernel’s %2',
          drift.recorded,
          drift.kernel
        )
      )
    );
    const actions = el('div', 'jp-nbrepro-DriftPanel-actions');
    const accept = el(
      'button',
      'jp-mod-styled jp-mod-accept',
      trans.__('Accept current environment')
    );
    accept.title = trans.__(
      'Record the kernel’s environment as the one this notebook vouches for'
    );
    accept.addEventListener('click', () => this._capture.accept());
    actions.appendChild(accept);
    this.node.appendChild(actions);

    const labels: { [severity: string]: string } = {
      high: trans.__('Serious'),
      medium: trans.__('Moderate'),
      low: trans.__('Minor'),
      info: trans.__('For information')
    };
    for (const severity of SEVERITIES) {
      const group = report.differences.filter(d => d.severity === severity);
      if (group.length === 0) {
        continue;
      }
      const section = el('section', 'jp-nbrepro-Panel-section');
      section.dataset.severity = severity;
      section.appendChild(
        el('h3', undefined, trans.__('%1 (%2)', labels[severity], group.length))
      );
      const table = el('table', 'jp-nbrepro-Panel-table');
      for (const difference of group) {
        const row = el('tr', 'jp-nbrepro-DriftPanel-row');
        row.dataset.kind = difference.kind;
        row.appendChild(el('td', undefined, difference.kind));
        row.appendChild(el('td', undefined, difference.name ?? ''));
        const change = [difference.before, difference.after]
          .map(value => value ?? '—')
          .join(' → ');
        row.appendChild(el('td', undefined, change));
        const used = el(
          'td',
          'jp-nbrepro-DriftPanel-used',
          difference.used ? trans.__('used by this notebook') : ''
        );
        row.appendChild(used);
        row.appendChild(el('td', undefined, difference.detail ?? ''));
        table.appendChild(row);
      }
      section.appendChild(table);
      this.node.appendChild(section);
    }

    const script = restoreScript(report.differences);
    if (script.length > 0) {
      const section = el('section', 'jp-nbrepro-Panel-section');
      section.appendChild(
        el('h3', undefined, trans.__('Restore the recorded versions'))
      );
      const pre = el('pre', 'jp-nbrepro-DriftPanel-restore', script.join('\n'));
      section.appendChild(pre);
      const copy = el('button', 'jp-mod-styled', trans.__('Copy commands'));
      copy.addEventListener('click', () => {
        void navigator.clipboard?.writeText(script.join('\n'));
      });
      section.appendChild(copy);
      this.node.appendChild(section);
    }
    for (const problem of report.problems) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', problem));
    }
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._capture.driftChanged.disconnect(this.render, this);
    }
    super.dispose();
  }
}
