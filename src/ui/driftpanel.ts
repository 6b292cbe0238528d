import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';
import { IDifference, SEVERITIES, Severity } from '../drift/diff';
import { IRestoreGroup, restoreGroups } from '../drift/restore';
import { IDrift } from '../tokens';
import { describeChange, severityTitle } from '../vocabulary';
import { el, headerCell, whole } from './dom';

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
    this._summary(drift);
    for (const severity of SEVERITIES) {
      const group = report.differences.filter(d => d.severity === severity);
      if (group.length > 0) {
        this.node.appendChild(this._group(severity, group));
      }
    }
    const groups = restoreGroups(report.differences, this._kernel());
    if (groups.length > 0) {
      this.node.appendChild(this._restore(groups));
    }
    for (const problem of report.problems) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', problem));
    }
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._capture.driftChanged.disconnect(this.render, this);
      this._capture.stateChanged.disconnect(this.render, this);
    }
    super.dispose();
  }

  /**
   * Which snapshots are compared, and the Accept button.
   */
  private _summary(drift: IDrift): void {
    const trans = this._trans;
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
  }

  /**
   * The differences of one severity, as a table.
   */
  private _group(severity: Severity, group: IDifference[]): HTMLElement {
    const trans = this._trans;
    const section = el('section', 'jp-nbrepro-Panel-section');
    section.dataset.severity = severity;
    section.appendChild(
      el(
        'h4',
        undefined,
        trans.__('%1 (%2)', severityTitle(severity, trans), group.length)
      )
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
      table.appendChild(this._row(difference));
    }
    section.appendChild(scroller);
    return section;
  }

  private _row(difference: IDifference): HTMLElement {
    const trans = this._trans;
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
    return row;
  }

  /**
   * The restore commands, in a cell's form and a terminal's, with Copy.
   */
  private _restore(groups: IRestoreGroup[]): HTMLElement {
    const trans = this._trans;
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
      [trans.__('In a terminal:'), groups.map(g => g.shell).join('\n'), 'shell']
    ];
    for (const [label, text, form] of forms) {
      section.appendChild(el('p', undefined, label));
      const pre = el('pre', 'jp-nbrepro-DriftPanel-restore', text);
      pre.dataset.form = form;
      section.appendChild(pre);
      section.appendChild(this._copyButton(text));
    }
    return section;
  }

  private _copyButton(text: string): HTMLElement {
    const trans = this._trans;
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
    return copy;
  }

  /**
   * The kernel's interpreter, as far as its recorded environment says.
   */
  private _kernel(): { python?: string; prefix?: string } {
    const record = this._capture.record;
    const id = this._capture.drift?.kernel;
    const python =
      record && id ? record.snapshots[id]?.environment.python : null;
    const out: { python?: string; prefix?: string } = {};
    if (!python) {
      return out;
    }
    const absolute = python.prefix.startsWith('/');
    if (python.executable !== undefined) {
      out.python = python.executable;
    } else if (absolute) {
      out.python = python.prefix + '/bin/python';
    }
    if (absolute) {
      out.prefix = python.prefix;
    }
    return out;
  }
}
