import { TranslationBundle } from '@jupyterlab/translation';

import { NotebookCapture } from '../capture/controller';
import { IEnvironment, ISnapshotRecord } from '../record/model';
import { packageRows } from '../record/packages';
import {
  describeGpu,
  describePlatform,
  describePython,
  describeTime,
  snapshotNames,
  writtenFor
} from '../vocabulary';
import { captionedTable, clipped, el, wrapping } from './dom';
import { Section } from './section';

/**
 * The environment the notebook vouches for, in words: its name, Python,
 * platform, GPU and which conda its conda files are written for. The
 * snapshot's id shows only on hover.
 */
export class EnvironmentSection extends Section {
  constructor(trans: TranslationBundle) {
    super(trans, 'environment', trans.__('Environment'));
  }

  protected render(capture: NotebookCapture): void {
    const trans = this.trans;
    const record = capture.record!;
    for (const problem of capture.problems) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', problem));
    }
    const id = record.current;
    const snapshot = id ? record.snapshots[id] : undefined;
    if (!id || !snapshot) {
      this.node.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-empty',
          trans.__(
            'No environment is recorded in this notebook yet. Run a cell with a Python kernel.'
          )
        )
      );
      return;
    }
    const kernel = capture.kernelEnvironment;
    const ids = kernel && kernel !== id ? [id, kernel] : [id];
    const name = snapshotNames(record, ids, kernel, trans).get(id) ?? '';
    const line = el('p', 'jp-nbrepro-Panel-name', name);
    line.title = trans.__(
      'Snapshot %1, captured %2',
      id,
      describeTime(snapshot.captured_at)
    );
    this.node.appendChild(line);
    const env = snapshot.environment;
    const rows: [string, string][] = [
      [trans.__('Python'), describePython(env.python, trans)],
      [trans.__('Platform'), describePlatform(env.platform, trans)],
      ...describeGpu(env.gpu, trans)
    ];
    if (env.conda) {
      rows.push([
        trans.__('Conda files'),
        trans.__('written %1', writtenFor(env.conda, trans))
      ]);
    }
    const table = captionedTable(
      'jp-nbrepro-Panel-facts',
      trans.__('What the notebook ran on'),
      []
    );
    for (const [key, value] of rows) {
      const row = el('tr');
      const th = el('th', undefined, key);
      th.setAttribute('scope', 'row');
      row.appendChild(th);
      row.appendChild(wrapping(value));
      table.appendChild(row);
    }
    this.node.appendChild(table);
  }
}

/**
 * The packages of the recorded environment, with a filter, and the record
 * itself as JSON for whoever needs the exact facts.
 */
export class PackagesSection extends Section {
  constructor(trans: TranslationBundle) {
    super(trans, 'packages', trans.__('Packages'));
  }

  protected render(capture: NotebookCapture): void {
    const record = capture.record!;
    const id = record.current;
    const snapshot = id ? record.snapshots[id] : undefined;
    if (!snapshot) {
      this.node.appendChild(
        el('p', 'jp-nbrepro-Panel-empty', this.trans.__('Nothing recorded.'))
      );
      return;
    }
    this._packages(snapshot.environment);
    this._raw(snapshot);
  }

  private _packages(environment: IEnvironment): void {
    const trans = this.trans;
    const rows = packageRows(environment);
    const count = el('p', 'jp-nbrepro-Panel-id');
    this.node.appendChild(count);
    const filter = document.createElement('input');
    filter.type = 'search';
    filter.className = 'jp-nbrepro-Panel-filter';
    filter.placeholder = trans.__('Filter packages');
    filter.setAttribute('aria-label', trans.__('Filter packages'));
    // A re-render (a new capture) keeps what the user typed.
    filter.value = this._filter;
    this.node.appendChild(filter);
    const builds = rows.some(row => row.build !== '');
    const origins = new Set(rows.map(row => row.origin));
    const sources = origins.size > 1;
    const labels = [trans.__('Name'), trans.__('Version')];
    if (builds) {
      labels.push(trans.__('Build'));
    }
    if (sources) {
      labels.push(trans.__('Source'));
    }
    const table = captionedTable(
      'jp-nbrepro-Panel-table jp-nbrepro-Panel-packages',
      trans.__('Packages of the recorded environment'),
      labels
    );
    table.dataset.columns = String(labels.length);
    const body: HTMLElement[] = [];
    for (const row of rows) {
      const tr = el('tr');
      tr.dataset.name = row.name.toLowerCase();
      tr.appendChild(wrapping(row.name));
      tr.appendChild(wrapping(row.version));
      if (builds) {
        tr.appendChild(clipped(row.build));
      }
      if (sources) {
        tr.appendChild(clipped(row.origin));
      }
      table.appendChild(tr);
      body.push(tr);
    }
    const apply = () => {
      this._filter = filter.value;
      const needle = filter.value.trim().toLowerCase();
      let shown = 0;
      for (const tr of body) {
        tr.hidden = needle !== '' && !(tr.dataset.name ?? '').includes(needle);
        shown += tr.hidden ? 0 : 1;
      }
      const all = trans._n('%1 package', '%1 packages', rows.length);
      const from =
        !sources && rows.length > 0
          ? trans.__(
              '%1, all from %2',
              all,
              rows[0].origin || trans.__('a source not recorded')
            )
          : all;
      count.textContent =
        needle === ''
          ? from
          : trans._n(
              '%2 of %1 package',
              '%2 of %1 packages',
              rows.length,
              shown
            );
    };
    filter.addEventListener('input', apply);
    apply();
    this.node.appendChild(table);
  }

  /**
   * The record itself, as text.
   */
  private _raw(snapshot: ISnapshotRecord): void {
    const details = el('details', 'jp-nbrepro-Panel-raw');
    details.appendChild(
      el('summary', undefined, this.trans.__('Show the raw record (JSON)'))
    );
    details.addEventListener('toggle', () => {
      if (
        (details as HTMLDetailsElement).open &&
        details.childElementCount < 2
      ) {
        details.appendChild(
          el('pre', undefined, JSON.stringify(snapshot, null, 2))
        );
      }
    });
    this.node.appendChild(details);
  }

  private _filter = '';
}
