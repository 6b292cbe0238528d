import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { NotebookCapture } from './capture';
import { IDifference, IDriftReport } from './drift';
import { describeHeader } from './sidebar';

/**
 * How many changes a notification names before "and N more".
 */
const NAMED = 2;

function severityWord(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const words: { [severity: string]: string } = {
    high: trans.__('serious'),
    medium: trans.__('moderate'),
    low: trans.__('minor'),
    info: trans.__('for information')
  };
  return words[difference.severity] ?? difference.severity;
}

/**
 * One change as a toast names it: "numpy 1.26.4 → 2.4.6, serious, imported".
 */
export function describeDifference(
  difference: IDifference,
  trans: TranslationBundle
): string {
  const name = difference.name ?? difference.kind;
  let change = '';
  if (difference.before !== undefined && difference.after !== undefined) {
    change = `${difference.before} → ${difference.after}`;
  } else if (difference.after !== undefined) {
    change = trans.__('%1, new', difference.after);
  } else if (difference.before !== undefined) {
    change = trans.__('%1, removed', difference.before);
  }
  const parts = [
    change ? `${name} ${change}` : name,
    severityWord(difference, trans)
  ];
  if (difference.used) {
    parts.push(trans.__('imported'));
  }
  return parts.join(', ');
}

/**
 * The drift toast's text: the notebook, the top changes by name, how many more.
 */
export function driftMessage(
  notebook: string,
  report: IDriftReport,
  trans: TranslationBundle
): string {
  const shown = report.differences.filter(d => d.severity !== 'info');
  const named = shown
    .slice(0, NAMED)
    .map(d => describeDifference(d, trans))
    .join('; ');
  const more = shown.length - Math.min(shown.length, NAMED);
  const tail = more
    ? trans._n(' and %1 more change', ' and %1 more changes', more)
    : '';
  return trans.__(
    '%1 runs on a different environment than it recorded: %2%3.',
    notebook,
    named,
    tail
  );
}

/**
 * nbrepro's indicator in a notebook's toolbar: the state in a word or two;
 * a click opens the panel. Notebook 7 has no status bar, so this is its
 * indicator; in JupyterLab it says which notebook it is about.
 */
export class ToolbarIndicator extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _capture: NotebookCapture,
    onClick: () => void
  ) {
    super({ node: document.createElement('button') });
    this.addClass('jp-nbrepro-ToolbarItem');
    this.addClass('jp-ToolbarButtonComponent');
    this.node.setAttribute('type', 'button');
    this._label = document.createElement('span');
    this._label.className = 'jp-nbrepro-ToolbarItem-label';
    this.node.appendChild(this._label);
    this.node.addEventListener('click', onClick);
    _capture.stateChanged.connect(this._render, this);
    this._render();
  }

  setVisible(visible: boolean): void {
    this.setHidden(!visible);
  }

  private _render(): void {
    if (this.isDisposed) {
      return;
    }
    const words = describeHeader(
      this._capture.state,
      this._capture.isRecorded,
      this._trans
    );
    this._label.textContent = words.text;
    this.node.dataset.state = words.state;
    this.node.title = this._trans.__(
      'nbrepro: %1. %2 Click to open the reproducibility panel.',
      words.text,
      words.detail
    );
  }

  private _label: HTMLSpanElement;
}
