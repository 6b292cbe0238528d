import { Dialog, DOMUtils } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ExportFormat } from '../tokens';
import { el } from '../ui/dom';
import { IFinding, kindTitle } from '../vocabulary';

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
 * project (path and size), and the choice of folder or zip.
 */
export class ExportDialogBody
  extends Widget
  implements Dialog.IBodyWidget<ExportFormat>
{
  constructor(
    findings: IFinding[],
    format: ExportFormat,
    trans: TranslationBundle,
    carried: ICarriedFile[] = []
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
    const choices = el('fieldset', 'jp-nbrepro-ExportDialog-format');
    choices.appendChild(
      el('legend', undefined, trans.__('Write beside the notebook as'))
    );
    const name = DOMUtils.createDomID();
    const labels: [ExportFormat, string][] = [
      ['folder', trans.__('Folder')],
      ['zip', trans.__('Zip')]
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

  private _inputs: HTMLInputElement[] = [];
}
