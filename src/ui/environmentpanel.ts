import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';
import { CellRecord, NotebookRecord } from '../record/document';
import { IEnvironment, ISnapshotRecord } from '../record/model';
import { packageRows } from '../record/packages';
import {
  describeDeterminism,
  describeGpu,
  describePlatform,
  describePython,
  describeSeeding,
  describeSeedingStatus,
  describeTime
} from '../vocabulary';
import { clipped, el, headerCell, whole } from './dom';

/**
 * Which cells ran under which snapshot, in notebook order.
 */
export function cellsBySnapshot(
  cellMetas: (CellRecord | null)[]
): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  cellMetas.forEach((meta, index) => {
    if (meta) {
      const cells = groups.get(meta.env) ?? [];
      cells.push(index + 1);
      groups.set(meta.env, cells);
    }
  });
  return groups;
}

/**
 * The environment panel: what a notebook's metadata says it ran on.
 */
export class EnvironmentPanel extends Widget {
  constructor(
    private readonly _capture: NotebookCapture,
    private readonly _trans: TranslationBundle,
    private readonly _part: 'all' | 'summary' | 'details' = 'all'
  ) {
    super();
    const notebook = _capture.panel;
    this.addClass('jp-nbrepro-Panel');
    this.addClass('jp-nbrepro-EnvironmentPanel');
    this.id = `nbrepro-environment-${_part}-${notebook.id}`;
    this.title.label = _trans.__('Environment: %1', notebook.title.label);
    this.title.closable = true;
    _capture.recordChanged.connect(this._scheduleRender, this);
    // What a kernel reported before any cell ran is held, not written: the
    // capture's state changes say when there is something new to show.
    _capture.stateChanged.connect(this._scheduleRender, this);
    notebook.disposed.connect(() => this.dispose(), this);
    this.render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._capture.recordChanged.disconnect(this._scheduleRender, this);
    this._capture.stateChanged.disconnect(this._scheduleRender, this);
    super.dispose();
  }

  private _scheduleRender(): void {
    if (this._renderTimer === null) {
      this._renderTimer = window.setTimeout(() => {
        this._renderTimer = null;
        if (!this.isDisposed) {
          this.render();
        }
      }, 100);
    }
  }

  /**
   * Rebuild the panel from the notebook's record.
   */
  render(): void {
    const trans = this._trans;
    this.node.textContent = '';
    // Read at the door: what the panel shows matches the schema, and what
    // was dropped is listed as a problem.
    const meta = this._capture.record;
    if (!meta) {
      return;
    }
    const problems = this._capture.problems;
    const cellMetas = this._capture
      .cells()
      .map(cell => (cell.type === 'code' ? cell.record : null));
    const currentId = meta.current;
    const snapshot = currentId ? meta.snapshots[currentId] : undefined;
    const header = el('div', 'jp-nbrepro-Panel-header');
    const summary = this._part !== 'details';
    if (summary) {
      header.appendChild(el('h3', undefined, trans.__('Environment')));
      this.node.appendChild(header);
    }
    for (const problem of summary ? problems : []) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', problem));
    }
    if ((!snapshot || !currentId) && !summary) {
      return;
    }
    if (!snapshot || !currentId) {
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
    const recorded = el(
      'p',
      'jp-nbrepro-Panel-id',
      trans.__(
        'Snapshot %1, first recorded %2',
        currentId,
        describeTime(snapshot.captured_at)
      )
    );
    recorded.title = snapshot.captured_at;
    header.appendChild(recorded);
    const env = snapshot.environment;
    if (summary) {
      this._facts('', [
        [trans.__('Python'), describePython(env.python, trans)],
        [trans.__('Platform'), describePlatform(env.platform, trans)],
        ...describeGpu(env.gpu, trans)
      ]);
      this._seeds(meta, cellMetas);
    } else {
      this.node.textContent = '';
    }
    if (this._part !== 'summary') {
      this._history(meta, cellMetas);
      this._packages(env);
      this._raw(snapshot);
    }
  }

  /**
   * The record itself, for whoever needs the exact facts: as text.
   */
  private _raw(snapshot: ISnapshotRecord): void {
    const details = el('details', 'jp-nbrepro-Panel-raw');
    details.appendChild(
      el('summary', undefined, this._trans.__('Show raw JSON'))
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

  private _section(title: string): HTMLElement {
    const section = el('section', 'jp-nbrepro-Panel-section');
    if (title) {
      section.appendChild(el('h4', undefined, title));
    }
    this.node.appendChild(section);
    return section;
  }

  private _facts(title: string, entries: [string, string][]): void {
    const section = this._section(title);
    if (entries.length === 0) {
      section.appendChild(
        el('p', 'jp-nbrepro-Panel-empty', this._trans.__('Nothing recorded.'))
      );
      return;
    }
    const table = el('table', 'jp-nbrepro-Panel-facts');
    for (const [key, value] of entries) {
      const row = el('tr');
      const th = el('th', undefined, key);
      th.setAttribute('scope', 'row');
      row.appendChild(th);
      row.appendChild(el('td', undefined, value));
      table.appendChild(row);
    }
    section.appendChild(table);
  }

  private _seeds(meta: NotebookRecord, cellMetas: (CellRecord | null)[]): void {
    const trans = this._trans;
    const section = this._section(trans.__('Seeds and determinism'));
    const table = el('table', 'jp-nbrepro-Panel-table jp-nbrepro-Panel-seeds');
    const head = el('tr');
    for (const label of [trans.__('Cell'), trans.__('Seeding')]) {
      head.appendChild(headerCell(label));
    }
    table.appendChild(head);
    let any = false;
    cellMetas.forEach((cell, index) => {
      // A run the record lacks still gets its row (with nothing to say).
      const run = cell?.run ? (meta.runs[cell.run] ?? {}) : null;
      if (!run) {
        return;
      }
      any = true;
      const seeding =
        describeSeeding(run) || describeSeedingStatus(run.seeds, trans);
      const flags = describeDeterminism(run);
      const row = el('tr');
      row.appendChild(el('td', undefined, String(index + 1)));
      const td = el('td', 'jp-nbrepro-Panel-seeding', seeding);
      for (const flag of flags ? flags.split(', ') : []) {
        // One setting a line, cut with an ellipsis (full text on hover).
        const line = el('div', 'jp-nbrepro-Panel-determinism', flag);
        line.title = flag;
        td.appendChild(line);
      }
      row.appendChild(td);
      table.appendChild(row);
    });
    section.appendChild(
      any
        ? table
        : el('p', 'jp-nbrepro-Panel-empty', trans.__('No cell has run yet.'))
    );
  }

  private _history(
    meta: NotebookRecord,
    cellMetas: (CellRecord | null)[]
  ): void {
    const trans = this._trans;
    const section = this._section(trans.__('Cells by environment'));
    const groups = cellsBySnapshot(cellMetas);
    if (groups.size > 1) {
      section.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-mixed',
          trans.__(
            'The outputs of this notebook come from %1 different environments.',
            groups.size
          )
        )
      );
    }
    const list = el('ul', 'jp-nbrepro-Panel-history');
    for (const [id, cells] of groups) {
      const known = id in meta.snapshots;
      const item = el(
        'li',
        undefined,
        trans._n(
          '%2: cell %3',
          '%2: cells %3',
          cells.length,
          id +
            (id === meta.current ? trans.__(' (current)') : '') +
            (known ? '' : trans.__(' (not recorded)')),
          cells.join(', ')
        )
      );
      item.dataset.snapshot = id;
      list.appendChild(item);
    }
    section.appendChild(list);
  }

  private _packages(environment: IEnvironment): void {
    const trans = this._trans;
    const rows = packageRows(environment);
    const section = this._section(
      trans._n('%1 package', '%1 packages', rows.length)
    );
    const heading = section.firstElementChild as HTMLElement;
    const filter = document.createElement('input');
    filter.type = 'search';
    filter.className = 'jp-nbrepro-Panel-filter';
    filter.placeholder = trans.__('Filter packages');
    filter.setAttribute('aria-label', trans.__('Filter packages'));
    // A re-render (a new capture) keeps what the user typed.
    filter.value = this._filter;
    section.appendChild(filter);
    const table = el(
      'table',
      'jp-nbrepro-Panel-table jp-nbrepro-Panel-packages'
    );
    const head = el('tr');
    const builds = rows.some(row => row.build !== '');
    const labels = [trans.__('Name'), trans.__('Version')];
    if (builds) {
      labels.push(trans.__('Build'));
    }
    // One source for every package (all from PyPI): said once, not per row.
    const origins = new Set(rows.map(row => row.origin));
    const sources = origins.size > 1;
    if (sources) {
      labels.push(trans.__('Source'));
    } else if (rows.length > 0) {
      section.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-id',
          trans.__(
            'All from %1.',
            rows[0].origin || trans.__('an unknown source')
          )
        )
      );
    }
    for (const label of labels) {
      head.appendChild(headerCell(label));
    }
    table.appendChild(head);
    const body: HTMLElement[] = [];
    for (const row of rows) {
      const tr = el('tr');
      tr.dataset.name = row.name.toLowerCase();
      tr.appendChild(whole(row.name));
      tr.appendChild(whole(row.version));
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
      heading.textContent =
        needle === ''
          ? trans._n('%1 package', '%1 packages', rows.length)
          : trans._n(
              '%2 of %1 package',
              '%2 of %1 packages',
              rows.length,
              shown
            );
    };
    filter.addEventListener('input', apply);
    apply();
    const scroller = el('div', 'jp-nbrepro-Panel-scroll');
    scroller.appendChild(table);
    section.appendChild(scroller);
  }

  private _renderTimer: number | null = null;
  private _filter = '';
}
