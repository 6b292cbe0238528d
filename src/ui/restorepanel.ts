import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { quote } from '../drift/diff';
import { IRestorePlan } from '../drift/restore';
import { restoreAlternative, restoreNotes } from '../vocabulary';
import { breakable, el } from './dom';

/**
 * The restore commands that cannot hurt, in a cell's form and a terminal's,
 * each with its own labelled Copy button; what stays as it is and why; and,
 * when the kernel shares the Jupyter server's environment, the way to the
 * recorded versions beside it.
 */
export class RestoreBlock extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    plan: IRestorePlan,
    notebookName: string
  ) {
    super({ node: el('section', 'jp-nbrepro-Restore') });
    const trans = _trans;
    this.node.appendChild(
      el('h4', undefined, trans.__('Restore the recorded versions'))
    );
    const { warning, notes } = restoreNotes(plan, trans);
    if (warning) {
      this.node.appendChild(el('p', 'jp-nbrepro-Restore-warning', warning));
    }
    if (plan.groups.length > 0) {
      this._command(
        trans.__('In a cell of this notebook (the kernel’s own Python):'),
        plan.groups.map(g => g.magic).join('\n'),
        'magic',
        plan.groups.some(g => g.manager === 'conda')
          ? trans.__('Copy %conda / %pip command')
          : trans.__('Copy %pip command')
      );
      this._command(
        trans.__('In a terminal:'),
        plan.groups.map(g => g.shell).join('\n'),
        'shell',
        trans.__('Copy terminal command')
      );
    } else {
      this.node.appendChild(
        el(
          'p',
          'jp-nbrepro-Panel-empty',
          trans.__(
            'Nothing to restore here without touching what Jupyter runs on.'
          )
        )
      );
    }
    if (notes.length > 0) {
      const list = el('ul', 'jp-nbrepro-Restore-notes');
      for (const note of notes) {
        list.appendChild(el('li', undefined, note));
      }
      this.node.appendChild(list);
    }
    if (plan.sharesServer) {
      const stem = notebookName.replace(/\.ipynb$/i, '');
      const alternative = restoreAlternative(
        quote(stem + '-bundle'),
        quote(stem.replace(/[^A-Za-z0-9_.-]+/g, '-') + '-recorded'),
        trans
      );
      this._command(
        alternative.text,
        alternative.command,
        'alternative',
        trans.__('Copy the bundle commands')
      );
    }
  }

  private _command(
    label: string,
    text: string,
    form: string,
    buttonLabel: string
  ): void {
    this.node.appendChild(el('p', undefined, label));
    // Long paths wrap after their separators, never inside a word.
    const pre = el('pre', 'jp-nbrepro-DriftPanel-restore');
    pre.appendChild(breakable(text, /(?<=\/)/));
    pre.dataset.form = form;
    this.node.appendChild(pre);
    this.node.appendChild(copyButton(text, buttonLabel, this._trans));
  }
}

/**
 * A button that copies `text`, labelled with what it copies.
 */
export function copyButton(
  text: string,
  label: string,
  trans: TranslationBundle
): HTMLElement {
  const copy = el('button', 'jp-mod-styled jp-nbrepro-Copy', label);
  copy.setAttribute('type', 'button');
  copy.addEventListener('click', () => {
    const done = (word: string) => {
      copy.textContent = word;
      window.setTimeout(() => {
        copy.textContent = label;
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
