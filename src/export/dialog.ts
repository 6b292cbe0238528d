import { Dialog, DOMUtils } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ExportFormat } from '../tokens';
import { el } from '../ui/dom';
import { IFinding, kindTitle } from '../vocabulary';

/**
 * The dialog's body: the gate's findings as text (their messages come from
 * notebook metadata anyone can edit), and the choice of folder or zip.
 */
export class ExportDialogBody
  extends Widget
  implements Dialog.IBodyWidget<ExportFormat>
{
  constructor(
    findings: IFinding[],
    format: ExportFormat,
    trans: TranslationBundle
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
