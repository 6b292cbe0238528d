import { Dialog, DOMUtils } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ExportFormat } from '../tokens';
import { el } from '../ui/dom';
import { IFinding, kindTitle } from '../vocabulary';

/**
 * A local package of the notebook's project whose build the export would run
 * (the export check's `builds`): building runs the package's own code.
 */
export interface IBuild {
  name: string;
  version: string;
  /** "will run the build of NAME VERSION from FOLDER (...)", from the server. */
  message: string;
}

/**
 * What an export would write beside the notebook (the server's check says).
 */
export interface IExportOutputs {
  folder: string;
  zip: string;
}

/**
 * A file the bundle carries from the notebook's project (a module, a script or
 * data), by its path in the bundle; the check lists them before anything is
 * written, so the user sees what is about to be shared.
 */
export interface ICarriedFile {
  path: string;
  size: number;
}

/**
 * A size in bytes as people read it: `812 B`, `4.0 KB`, `1.5 MB`.
 */
export function formatSize(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The dialog's body: the gate's findings as text (their messages come from
 * notebook metadata anyone can edit), every file the bundle carries from the
 * project (path and size), the builds the export would run, which run only
 * when the user ticks the box, and the choice of folder or zip, each named as
 * it will be written.
 */
export class ExportDialogBody
  extends Widget
  implements Dialog.IBodyWidget<ExportFormat>
{
  constructor(
    findings: IFinding[],
    format: ExportFormat,
    trans: TranslationBundle,
    carried: ICarriedFile[] = [],
    builds: IBuild[] = [],
    outputs: IExportOutputs | null = null
  ) {
    super();
    this.addClass('jp-nbrepro-ExportDialog');
    if (findings.length === 0) {
      this.node.appendChild(
        el('p', undefined, trans.__('No problems found in this notebook.'))
      );
    } else {
      this.node.appendChild(
        el(
          'p',
          undefined,
          trans.__('The bundle may not reproduce what this notebook shows:')
        )
      );
      const list = el('ul', 'jp-nbrepro-ExportDialog-findings');
      for (const finding of findings) {
        const item = el('li');
        item.dataset.kind = finding.kind;
        item.appendChild(
          el('strong', undefined, kindTitle(finding.kind, trans))
        );
        item.appendChild(document.createTextNode(': ' + finding.message));
        list.appendChild(item);
      }
      this.node.appendChild(list);
    }
    if (carried.length > 0) {
      this.node.appendChild(
        el(
          'p',
          undefined,
          trans._n(
            'The bundle carries %1 file from the project:',
            'The bundle carries %1 files from the project:',
            carried.length
          )
        )
      );
      const files = el('ul', 'jp-nbrepro-ExportDialog-carried');
      for (const file of carried) {
        const item = el(
          'li',
          undefined,
          `${file.path} (${formatSize(file.size)})`
        );
        item.dataset.path = file.path;
        files.appendChild(item);
      }
      this.node.appendChild(files);
    }
    if (builds.length > 0) {
      this.node.appendChild(Private.buildsSection(builds, this._build, trans));
      this._askedToBuild = true;
    }
    const choices = el('fieldset', 'jp-nbrepro-ExportDialog-format');
    choices.appendChild(
      el('legend', undefined, trans.__('Write beside the notebook as'))
    );
    const name = DOMUtils.createDomID();
    const labels: [ExportFormat, string][] = [
      [
        'folder',
        outputs ? trans.__('A folder, %1/', outputs.folder) : trans.__('Folder')
      ],
      ['zip', outputs ? trans.__('A zip, %1', outputs.zip) : trans.__('Zip')]
    ];
    for (const [value, text] of labels) {
      const label = el('label');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = name;
      input.value = value;
      input.checked = value === format;
      this._inputs.push(input);
      label.append(input, document.createTextNode(' ' + text));
      choices.appendChild(label);
    }
    this.node.appendChild(choices);
  }

  getValue(): ExportFormat {
    const checked = this._inputs.find(input => input.checked);
    return checked?.value === 'zip' ? 'zip' : 'folder';
  }

  /** Whether the user allowed the builds the check named (never without them). */
  get buildWheels(): boolean {
    return this._askedToBuild && this._build.checked;
  }

  private _inputs: HTMLInputElement[] = [];
  private _build = document.createElement('input');
  private _askedToBuild = false;
}

namespace Private {
  /**
   * What the export would build, each as the server worded it (text, never
   * markup: a folder's name is the project's), and the box that allows it,
   * unticked until the user ticks it.
   */
  export function buildsSection(
    builds: IBuild[],
    box: HTMLInputElement,
    trans: TranslationBundle
  ): HTMLElement {
    const section = el('fieldset', 'jp-nbrepro-ExportDialog-builds');
    section.appendChild(
      el(
        'legend',
        undefined,
        trans.__("Building these packages runs the project's own code")
      )
    );
    const list = el('ul');
    for (const build of builds) {
      const item = el('li', undefined, build.message);
      item.dataset.package = build.name;
      list.appendChild(item);
    }
    section.appendChild(list);
    const label = el('label');
    box.type = 'checkbox';
    box.checked = false;
    label.append(
      box,
      document.createTextNode(
        ' ' +
          trans.__(
            'Build them into the bundle (unticked: the bundle names them for the reviewer to supply)'
          )
      )
    );
    section.appendChild(label);
    return section;
  }
}
