import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { el } from './dom';
import {
  describeDeterminism,
  describeSeeding,
  flattenFacts,
  packageRows
} from './environment';
import {
  IJSONObject,
  INotebookMeta,
  METADATA_KEY,
  readCellMeta,
  readNotebookMeta
} from './metadata';

function show(value: unknown): string {
  if (value === undefined || value === null) {
    return '—';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function asObject(value: unknown): IJSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as IJSONObject)
    : {};
}

/**
 * Which cells ran under which snapshot, in notebook order.
 */
export function cellsBySnapshot(
  cellMetas: (ReturnType<typeof readCellMeta> | null)[]
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
    private readonly _notebook: NotebookPanel,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-nbrepro-Panel');
    this.id = `nbrepro-environment-${_notebook.id}`;
    this.title.label = _trans.__('Environment: %1', _notebook.title.label);
    this.title.closable = true;
    this._notebook.model?.metadataChanged.connect(this._scheduleRender, this);
    this._notebook.disposed.connect(() => this.dispose(), this);
    this.render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._notebook.model?.metadataChanged.disconnect(
      this._scheduleRender,
      this
    );
    super.dispose();
  }

  private _scheduleRender(_: unknown, change?: { key?: string }): void {
    // Other tools' metadata (language_info, widgets) is none of our business.
    if (change?.key !== undefined && change.key !== METADATA_KEY) {
      return;
    }
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
   * Rebuild the panel from the notebook's metadata.
   */
  render(): void {
    const trans = this._trans;
    const model = this._notebook.model;
    this.node.textContent = '';
    if (!model) {
      return;
    }
    const { value: meta, problems } = readNotebookMeta(
      model.getMetadata(METADATA_KEY)
    );
    const cellMetas = [];
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      cellMetas.push(
        cell.type === 'code'
          ? readCellMeta(cell.getMetadata(METADATA_KEY))
          : null
      );
    }
    const currentId = meta.current;
    const snapshot = currentId ? meta.snapshots[currentId] : undefined;
    const header = el('div', 'jp-nbrepro-Panel-header');
    header.appendChild(el('h2', undefined, trans.__('Recorded environment')));
    this.node.appendChild(header);
    for (const problem of problems) {
      this.node.appendChild(el('p', 'jp-nbrepro-Panel-problem', problem));
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
    header.appendChild(
      el(
        'p',
        'jp-nbrepro-Panel-id',
        trans.__(
          'Snapshot %1, first recorded %2',
          currentId,
          snapshot.captured_at
        )
      )
    );
    const env = snapshot.environment;
    this._facts(trans.__('Python and platform'), [
      ...flattenFacts(env.python, 'python'),
      ...flattenFacts(env.platform, 'platform')
    ]);
    this._facts(trans.__('GPU'), flattenFacts(env.gpu, 'gpu'));
    this._seeds(meta, cellMetas);
    this._history(meta, cellMetas);
    this._packages(env);
  }

  private _section(title: string): HTMLElement {
    const section = el('section', 'jp-nbrepro-Panel-section');
    section.appendChild(el('h3', undefined, title));
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
      row.appendChild(el('th', undefined, key));
      row.appendChild(el('td', undefined, value));
      table.appendChild(row);
    }
    section.appendChild(table);
  }

  private _seeds(
    meta: INotebookMeta,
    cellMetas: (ReturnType<typeof readCellMeta> | null)[]
  ): void {
    const trans = this._trans;
    const section = this._section(trans.__('Seeds and determinism'));
    const table = el('table', 'jp-nbrepro-Panel-table');
    const head = el('tr');
    for (const label of [
      trans.__('Cell'),
      trans.__('Seeding'),
      trans.__('Determinism')
    ]) {
      head.appendChild(el('th', undefined, label));
    }
    table.appendChild(head);
    let any = false;
    cellMetas.forEach((cell, index) => {
      const run = cell?.run ? asObject(meta.runs[cell.run]) : null;
      if (!run) {
        return;
      }
      any = true;
      const seeding = describeSeeding(run) || show(asObject(run.seeds).status);
      const flags = describeDeterminism(run);
      const row = el('tr');
      row.appendChild(el('td', undefined, String(index + 1)));
      row.appendChild(el('td', undefined, seeding));
      row.appendChild(el('td', undefined, flags || '—'));
      table.appendChild(row);
    });
    section.appendChild(
      any
        ? table
        : el('p', 'jp-nbrepro-Panel-empty', trans.__('No cell has run yet.'))
    );
  }

  private _history(
    meta: INotebookMeta,
    cellMetas: (ReturnType<typeof readCellMeta> | null)[]
  ): void {
    const trans = this._trans;
    const section = this._section(trans.__('Cells by snapshot'));
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

  private _packages(environment: IJSONObject): void {
    const trans = this._trans;
    const rows = packageRows(environment);
    const section = this._section(
      trans._n('%1 package', '%1 packages', rows.length)
    );
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
    for (const label of [
      trans.__('Name'),
      trans.__('Version'),
      trans.__('Build'),
      trans.__('Channel or source')
    ]) {
      head.appendChild(el('th', undefined, label));
    }
    table.appendChild(head);
    const body: HTMLElement[] = [];
    for (const row of rows) {
      const tr = el('tr');
      tr.dataset.name = row.name.toLowerCase();
      tr.appendChild(el('td', undefined, row.name));
      tr.appendChild(el('td', undefined, row.version));
      tr.appendChild(el('td', undefined, row.build));
      tr.appendChild(el('td', undefined, row.origin));
      table.appendChild(tr);
      body.push(tr);
    }
    const apply = () => {
      this._filter = filter.value;
      const needle = filter.value.trim().toLowerCase();
      for (const tr of body) {
        tr.hidden = needle !== '' && !(tr.dataset.name ?? '').includes(needle);
      }
    };
    filter.addEventListener('input', apply);
    apply();
    section.appendChild(table);
  }

  private _renderTimer: number | null = null;
  private _filter = '';
}
