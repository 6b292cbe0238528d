import { TranslationBundle } from '@jupyterlab/translation';

import { NotebookCapture } from '../capture/controller';
import { IDifference, SEVERITIES, Severity } from '../drift/diff';
import {
  IKernelPython,
  IServerEnvironment,
  restorePlan,
  sharesServer
} from '../drift/restore';
import { normalize } from '../drift/view';
import { NotebookRecord } from '../record/document';
import {
  condaFiles,
  kindWord,
  severityTitle,
  snapshotNames,
  versionsText
} from '../vocabulary';
import { captionedTable, el, wrapping } from './dom';
import { RestoreBlock } from './restorepanel';
import { Section } from './section';

/**
 * What the drift section needs from the plugins.
 */
export interface IDriftSectionOptions {
  /** The server's own environment (asked once). */
  serverEnvironment: () => Promise<IServerEnvironment | null>;
  /** Ask, then accept the kernel's environment for the notebook. */
  accept: (capture: NotebookCapture) => void;
}

/**
 * The drift: which environments are compared (by name), what differs,
 * grouped by severity in tables that fit the panel, and the restore
 * commands that cannot hurt.
 */
export class DriftSection extends Section {
  constructor(
    trans: TranslationBundle,
    private readonly _options: IDriftSectionOptions
  ) {
    super(trans, 'drift', trans.__('Drift'));
    this.addClass('jp-nbrepro-DriftPanel');
    void _options.serverEnvironment().then(server => {
      this._server = server;
      this._serverKnown = true;
      this.schedule();
    });
  }

  protected render(capture: NotebookCapture): void {
    const trans = this.trans;
    const drift = capture.drift;
    const record = capture.record!;
    if (!drift || drift.report.differences.length === 0) {
      this.node.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-empty',
          capture.kernelEnvironment || !record.current
            ? trans.__(
                'The kernel matches the environment recorded in this notebook.'
              )
            : trans.__('Waiting for the kernel to report its environment…')
        )
      );
      return;
    }
    this._summary(capture, record, drift.recorded, drift.kernel);
    const kernel = kernelPython(record, drift.kernel);
    const shared = sharesServer(kernel, this._server);
    const needed = new Set(shared ? this._server!.needed : []);
    for (const severity of SEVERITIES) {
      const group = drift.report.differences.filter(
        d => d.severity === severity
      );
      if (group.length > 0) {
        this.node.appendChild(this._group(severity, group, needed));
      }
    }
    if (this._serverKnown) {
      const plan = restorePlan(drift.report.differences, kernel, this._server);
      const block = new RestoreBlock(trans, plan, capture.panel.title.label);
      this.node.appendChild(block.node);
    }
    for (const problem of drift.report.problems) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', problem));
    }
  }

  /**
   * Which environments are compared, by name, and the Accept button.
   */
  private _summary(
    capture: NotebookCapture,
    record: NotebookRecord,
    recorded: string,
    kernel: string
  ): void {
    const trans = this.trans;
    const names = snapshotNames(record, [recorded, kernel], kernel, trans);
    const list = el('dl', 'jp-nbrepro-DriftPanel-sides');
    for (const [label, id] of [
      [trans.__('Recorded'), recorded],
      [trans.__('This kernel'), kernel]
    ]) {
      list.appendChild(el('dt', undefined, label));
      const value = el('dd', undefined, names.get(id) ?? '');
      value.title = trans.__('Snapshot %1', id);
      list.appendChild(value);
    }
    // Which conda each side's conda files are written for, as `nbrepro
    // check` says it (conda_files), where either side records conda.
    const written = [recorded, kernel].map(id =>
      condaFiles(record.snapshots[id]?.environment, trans)
    );
    const condaRows: [string, string | null][] =
      written[0] === written[1]
        ? [[trans.__('Conda files of both'), written[0]]]
        : [
            [trans.__('Recorded conda files'), written[0]],
            [trans.__('This kernel’s conda files'), written[1]]
          ];
    if (written[0] || written[1]) {
      for (const [label, text] of condaRows) {
        list.appendChild(el('dt', 'jp-nbrepro-DriftPanel-conda', label));
        list.appendChild(
          el(
            'dd',
            'jp-nbrepro-DriftPanel-conda',
            text ?? trans.__('none (no conda environment)')
          )
        );
      }
    }
    this.node.appendChild(list);
    const actions = el('div', 'jp-nbrepro-DriftPanel-actions');
    const accept = el(
      'button',
      'jp-mod-styled jp-mod-accept',
      trans.__('Accept this environment…')
    );
    accept.title = trans.__(
      'Make the notebook vouch for the kernel’s environment (asks first; can be undone)'
    );
    accept.addEventListener('click', () => this._options.accept(capture));
    actions.appendChild(accept);
    this.node.appendChild(actions);
  }

  /**
   * The differences of one severity, as a two-column table that reflows in
   * a narrow panel: the package (and whether a cell imports it), the change.
   */
  private _group(
    severity: Severity,
    group: IDifference[],
    needed: Set<string>
  ): HTMLElement {
    const trans = this.trans;
    const section = el('section', 'jp-nbrepro-DriftPanel-group');
    section.dataset.severity = severity;
    // What Jupyter itself runs on, new beside a recording made elsewhere:
    // one line, not a row each.
    const jupyter =
      severity === 'info'
        ? group.filter(
            d =>
              d.kind === 'package-added' && needed.has(normalize(d.name ?? ''))
          )
        : [];
    const rows = group.filter(d => !jupyter.includes(d));
    const table = captionedTable(
      'jp-nbrepro-Panel-table jp-nbrepro-DriftTable',
      trans.__('%1 (%2)', severityTitle(severity, trans), group.length),
      [trans.__('Package'), trans.__('Change')]
    );
    for (const difference of rows) {
      table.appendChild(this._row(difference));
    }
    if (jupyter.length > 0) {
      const names = jupyter.map(d => d.name ?? '');
      const row = el('tr', 'jp-nbrepro-DriftPanel-row');
      row.dataset.kind = 'jupyter';
      row.appendChild(
        wrapping(
          trans._n(
            '%1 package Jupyter runs on',
            '%1 packages Jupyter runs on',
            names.length
          ),
          'jp-nbrepro-DriftPanel-name'
        )
      );
      row.appendChild(
        wrapping(
          trans.__('new here: %1', names.join(', ')),
          'jp-nbrepro-DriftPanel-change'
        )
      );
      table.appendChild(row);
    }
    section.appendChild(table);
    return section;
  }

  private _row(difference: IDifference): HTMLElement {
    const trans = this.trans;
    const row = el('tr', 'jp-nbrepro-DriftPanel-row');
    row.dataset.kind = difference.kind;
    row.dataset.name = difference.name ?? '';
    const name = wrapping(
      difference.name ?? kindWord(difference, trans),
      'jp-nbrepro-DriftPanel-name'
    );
    if (difference.used) {
      const tag = el(
        'span',
        'jp-nbrepro-DriftPanel-used',
        trans.__('imported')
      );
      tag.title = trans.__(
        'A cell of this notebook imports it: the change can alter its results'
      );
      name.appendChild(document.createTextNode(' '));
      name.appendChild(tag);
    }
    if (difference.detail) {
      name.title = difference.detail;
    }
    row.appendChild(name);
    const versions = versionsText(difference, trans);
    const kind = kindWord(difference, trans);
    const change = wrapping(versions || kind, 'jp-nbrepro-DriftPanel-change');
    if (versions && !versions.endsWith(kind)) {
      change.appendChild(document.createTextNode(' '));
      change.appendChild(el('span', 'jp-nbrepro-DriftPanel-kind', `(${kind})`));
    }
    row.appendChild(change);
    return row;
  }

  private _server: IServerEnvironment | null = null;
  private _serverKnown = false;
}

/**
 * The kernel's interpreter, as its recorded environment says.
 */
export function kernelPython(
  record: NotebookRecord,
  kernelId: string
): IKernelPython {
  const python = record.snapshots[kernelId]?.environment.python;
  const out: IKernelPython = {};
  if (!python) {
    return out;
  }
  out.prefix = python.prefix;
  if (python.executable !== undefined) {
    out.python = python.executable;
  } else if (python.prefix.startsWith('/')) {
    out.python = python.prefix + '/bin/python';
  }
  return out;
}
