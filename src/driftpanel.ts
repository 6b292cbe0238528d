import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { el } from './dom';
import { IDrift, NotebookCapture } from './capture';
import { IDifference, quote, SEVERITIES } from './drift';
import { headerCell, whole } from './panel';
import { describeChange } from './words';

/**
 * The commands that bring back the recorded versions, one line per manager,
 * ready to paste in a terminal. Pure, so that it is tested without a browser.
 */
export function restoreScript(differences: IDifference[]): string[] {
  return restoreGroups(differences).map(group => group.shell);
}

export interface IRestoreGroup {
  manager: 'conda' | 'pip';
  /** What to paste into a notebook cell: IPython's %pip / %conda act on the kernel's own interpreter. */
  magic: string;
  /** The same for a terminal, naming the kernel's interpreter or prefix. */
  shell: string;
}

/**
 * The restore commands grouped per manager and action: one `install` (and
 * one `remove`) per manager, in a cell's `%pip` / `%conda` form and in a
 * shell form for the kernel's own Python (or conda prefix).
 */
export function restoreGroups(
  differences: IDifference[],
  kernel: { python?: string; prefix?: string } = {}
): IRestoreGroup[] {
  const args = {
    'conda install': [] as string[],
    'conda remove': [] as string[],
    'pip install': [] as string[],
    'pip uninstall -y': [] as string[]
  };
  for (const difference of differences) {
    for (const line of [difference.restore?.conda, difference.restore?.pip]) {
      if (!line) {
        continue;
      }
      for (const verb of Object.keys(args) as (keyof typeof args)[]) {
        if (line.startsWith(verb + ' ')) {
          const rest = line.slice(verb.length + 1);
          if (!args[verb].includes(rest)) {
            args[verb].push(rest);
          }
          break;
        }
      }
    }
  }
  const python = kernel.python || 'python';
  const prefix = kernel.prefix ? ' -p ' + quote(kernel.prefix) : '';
  const groups: IRestoreGroup[] = [];
  for (const [verb, list] of Object.entries(args)) {
    if (list.length === 0) {
      continue;
    }
    const joined = list.join(' ');
    if (verb.startsWith('conda')) {
      const [, action] = verb.split(' ');
      groups.push({
        manager: 'conda',
        magic: `%conda ${action} -y ${joined}`,
        shell: `conda ${action}${prefix} -y ${joined}`
      });
    } else {
      groups.push({
        manager: 'pip',
        magic: `%${verb} ${joined}`,
        shell: `${quote(python)} -m ${verb} ${joined}`
      });
    }
  }
  return groups;
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
    _capture.stateChanged.connect(this.render, this);
    this.title.label = _trans.__('Drift: %1', title);
    this.title.closable = true;
    _capture.driftChanged.connect(this.render, this);
    this.render();
  }

  render(): void {
    const trans = this._trans;
    const drift: IDrift | null = this._capture.drift;
    this.node.textContent = '';
    this.node.appendChild(el('h3', undefined, trans.__('Drift')));
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
      trans.__('Accept environment')
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
        el('h4', undefined, trans.__('%1 (%2)', labels[severity], group.length))
      );
      const table = el('table', 'jp-nbrepro-Panel-table jp-nbrepro-DriftTable');
      const scroller = el('div', 'jp-nbrepro-Panel-scroll');
      scroller.appendChild(table);
      const head = el('tr');
      for (const label of [
        trans.__('Package'),
        trans.__('Recorded'),
        trans.__('Now'),
        trans.__('Change'),
        trans.__('Imported')
      ]) {
        head.appendChild(headerCell(label));
      }
      table.appendChild(head);
      for (const difference of group) {
        const row = el('tr', 'jp-nbrepro-DriftPanel-row');
        row.dataset.kind = difference.kind;
        row.dataset.name = difference.name ?? '';
        const change = describeChange(difference, trans);
        const name = whole(difference.name ?? change);
        name.classList.add('jp-nbrepro-DriftPanel-name');
        if (difference.detail) {
          name.title = `${difference.name ?? change}: ${difference.detail}`;
        }
        row.appendChild(name);
        row.appendChild(whole(difference.before ?? '—'));
        row.appendChild(whole(difference.after ?? '—'));
        row.appendChild(el('td', 'jp-nbrepro-DriftPanel-change', change));
        const used = whole(difference.used ? trans.__('yes') : '');
        used.classList.add('jp-nbrepro-DriftPanel-used');
        if (difference.used) {
          used.title = trans.__(
            'A cell of this notebook imports it: the change can alter its results'
          );
        }
        row.appendChild(used);
        table.appendChild(row);
      }
      section.appendChild(scroller);
      this.node.appendChild(section);
    }

    const groups = restoreGroups(report.differences, this._kernel());
    if (groups.length > 0) {
      const section = el('section', 'jp-nbrepro-Panel-section');
      section.appendChild(
        el('h4', undefined, trans.__('Restore the recorded versions'))
      );
      const forms: [string, string, string][] = [
        [
          trans.__('In a cell of this notebook (the kernel’s own Python):'),
          groups.map(g => g.magic).join('\n'),
          'magic'
        ],
        [
          trans.__('In a terminal:'),
          groups.map(g => g.shell).join('\n'),
          'shell'
        ]
      ];
      for (const [label, text, form] of forms) {
        section.appendChild(el('p', undefined, label));
        const pre = el('pre', 'jp-nbrepro-DriftPanel-restore', text);
        pre.dataset.form = form;
        section.appendChild(pre);
        const copy = el(
          'button',
          'jp-mod-styled jp-nbrepro-Copy',
          trans.__('Copy')
        );
        copy.addEventListener('click', () => {
          const done = (word: string) => {
            copy.textContent = word;
            window.setTimeout(() => {
              copy.textContent = trans.__('Copy');
            }, 2000);
          };
          if (!navigator.clipboard) {
            done(trans.__('Copy failed: select the text'));
            return;
          }
          navigator.clipboard.writeText(text).then(
            () => done(trans.__('Copied')),
            () => done(trans.__('Copy failed: select the text'))
          );
        });
        section.appendChild(copy);
      }
      this.node.appendChild(section);
    }
    for (const problem of report.problems) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', problem));
    }
  }

  /**
   * The kernel's interpreter, as far as its recorded environment says.
   */
  private _kernel(): { python?: string; prefix?: string } {
    const meta = this._capture.notebookMeta;
    const id = this._capture.drift?.kernel;
    const python = (meta && id ? meta.snapshots[id]?.environment : null)
      ?.python as { executable?: unknown; prefix?: unknown } | undefined;
    const out: { python?: string; prefix?: string } = {};
    if (typeof python?.executable === 'string') {
      out.python = python.executable;
    } else if (
      typeof python?.prefix === 'string' &&
      python.prefix.startsWith('/')
    ) {
      out.python = python.prefix + '/bin/python';
    }
    if (typeof python?.prefix === 'string' && python.prefix.startsWith('/')) {
      out.prefix = python.prefix;
    }
    return out;
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._capture.driftChanged.disconnect(this.render, this);
      this._capture.stateChanged.disconnect(this.render, this);
    }
    super.dispose();
  }
}
