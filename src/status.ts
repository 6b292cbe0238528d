import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CaptureState } from './capture';
import { ServerState } from './server';

/**
 * How a state reads in the status bar: a short label, a longer tooltip and a
 * level the stylesheet colours with the theme's own variables.
 */
export interface IStatusText {
  label: string;
  title: string;
  level: 'info' | 'ok' | 'warn' | 'error';
  /**
   * A notice short enough for a toast (JupyterLab cuts them at 140 characters),
   * for the states the user must act on.
   */
  notice?: string;
  /**
   * What a click on the indicator shows, as the tooltip's last sentence;
   * the status dialog says instead what its "Open panel" button shows.
   */
  click?: string;
  panel?: string;
}

/**
 * Words for each server state. Pure, so that it is tested without a browser.
 */
export function describeServerState(
  state: ServerState,
  trans: TranslationBundle
): IStatusText {
  switch (state.kind) {
    case 'checking':
      return {
        label: trans.__('nbrepro'),
        title: trans.__('nbrepro is active; checking its server part…'),
        level: 'info'
      };
    case 'ok':
      return {
        label: trans.__('nbrepro: active'),
        title: trans.__(
          'nbrepro %1 is active and its server part answered.',
          state.info.version
        ),
        level: 'ok'
      };
    case 'mismatch':
      return {
        label: trans.__('nbrepro: reload needed'),
        title: trans.__(
          'The nbrepro server part (%1) does not match this page. Reload JupyterLab in the browser.',
          state.info.version
        ),
        level: 'warn',
        notice: trans.__(
          'nbrepro: the server part was updated. Reload this page.'
        )
      };
    case 'missing':
      return {
        label: trans.__('nbrepro: server part missing'),
        title: trans.__(
          'nbrepro is active in JupyterLab, but its server part did not answer. Install nbrepro in the Python environment that runs Jupyter Server (pip install nbrepro), then restart JupyterLab. Details: %1',
          state.detail
        ),
        level: 'error',
        notice: trans.__(
          'nbrepro: the server part did not answer. Run "pip install nbrepro" where Jupyter Server runs, then restart it.'
        )
      };
    case 'error':
      return {
        label: trans.__('nbrepro: server error'),
        title: trans.__(
          'The nbrepro server part answered with an error: %1',
          state.detail
        ),
        level: 'error'
      };
  }
}

/**
 * The status bar item of the active notebook. It renders text only: nothing
 * that comes from a server or a notebook is ever parsed as HTML.
 */
/**
 * Words for a notebook's capture state, shown once the server part answered.
 */
export function describeCaptureState(
  state: CaptureState,
  recorded: boolean,
  trans: TranslationBundle
): IStatusText {
  switch (state.kind) {
    case 'off':
      return {
        label: trans.__('nbrepro: off'),
        title: trans.__('Capture is turned off in the nbrepro settings.'),
        level: 'info'
      };
    case 'waiting':
      return {
        label: trans.__('nbrepro: no kernel'),
        title: trans.__(
          'nbrepro records the environment once this notebook has a kernel.'
        ),
        level: 'info'
      };
    case 'capturing':
      return {
        label: trans.__('nbrepro: capturing…'),
        title: trans.__("Recording the kernel's environment…"),
        level: 'info'
      };
    case 'recorded':
      if (!recorded) {
        // The kernel's environment is held in memory until a cell runs: the
        // notebook records nothing yet (the sidebar says the same).
        return {
          label: trans.__('nbrepro: not recorded yet'),
          title: trans.__(
            'Not recorded yet: run a cell, and its environment is recorded in the notebook when you save it.'
          ),
          level: 'info'
        };
      }
      if (state.drift === 'high') {
        return {
          label: trans.__('nbrepro: serious drift'),
          title: trans.__(
            'This kernel differs seriously from the environment recorded in the notebook.'
          ),
          level: 'error',
          click: trans.__('Click to see what changed and how to restore it.'),
          panel: trans.__(
            'Open the panel to see what changed and how to restore it.'
          )
        };
      }
      if (state.drift === 'medium' || state.drift === 'low') {
        return {
          label: trans.__('nbrepro: minor drift'),
          title: trans.__(
            'This kernel differs slightly from the environment recorded in the notebook.'
          ),
          level: 'warn',
          click: trans.__('Click to see what changed.'),
          panel: trans.__('Open the panel to see what changed.')
        };
      }
      return {
        label: trans._n(
          'nbrepro: %2 · %1 package',
          'nbrepro: %2 · %1 packages',
          state.packages,
          state.envId.slice(0, 8)
        ),
        title: trans._n(
          'Environment recorded and matching this kernel: snapshot %2 with %3 packages; this notebook holds %1 snapshot.',
          'Environment recorded and matching this kernel: snapshot %2 with %3 packages; this notebook holds %1 snapshots.',
          state.snapshots,
          state.envId,
          state.packages
        ),
        level: 'ok',
        click: trans.__('Click to show the recorded environment.'),
        panel: trans.__('Open the panel to see the recorded environment.')
      };
    case 'failed':
      return {
        label: trans.__('nbrepro: capture failed'),
        title: trans.__(
          'The environment could not be recorded: %1.',
          state.reason
        ),
        level: 'error',
        click: trans.__('Click for details.'),
        panel: trans.__('Open the panel for details.')
      };
    case 'unsupported':
      return {
        label: trans.__('nbrepro: not supported for this kernel'),
        title: trans.__(
          'nbrepro records Python kernels; this kernel runs %1.',
          state.language || trans.__('an unknown language')
        ),
        level: 'info'
      };
  }
}

/**
 * What the status item shows: the server part's trouble first, else the
 * capture state of the active notebook.
 */
export function describeStatus(
  server: ServerState,
  capture: CaptureState | null,
  recorded: boolean,
  trans: TranslationBundle
): IStatusText {
  if (server.kind === 'ok' && capture) {
    return describeCaptureState(capture, recorded, trans);
  }
  return describeServerState(server, trans);
}

export class StatusItem extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    onClick: () => void
  ) {
    super();
    this.addClass('jp-nbrepro-Status');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this._label = document.createElement('span');
    this._label.className = 'jp-nbrepro-Status-label';
    this.node.appendChild(this._label);
    this.node.addEventListener('click', onClick);
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onClick();
      }
    });
    this._render();
  }

  /**
   * The state shown now.
   */
  get state(): ServerState {
    return this._state;
  }

  setState(state: ServerState): void {
    this._state = state;
    this._render();
  }

  /**
   * The capture state of the active notebook, or null when there is none.
   */
  get capture(): CaptureState | null {
    return this._capture;
  }

  /**
   * ``recorded``: whether the notebook holds a recording (until a cell runs,
   * the kernel's environment is only held in memory).
   */
  setCapture(capture: CaptureState | null, recorded = false): void {
    this._capture = capture;
    this._recorded = capture !== null && recorded;
    this._render();
  }

  private _render(): void {
    const text = describeStatus(
      this._state,
      this._capture,
      this._recorded,
      this._trans
    );
    this._label.textContent = text.label;
    this.node.title = text.click ? text.title + ' ' + text.click : text.title;
    this.node.dataset.state = this._state.kind;
    this.node.dataset.capture = this._capture?.kind ?? 'none';
    this.node.dataset.drift =
      this._capture?.kind === 'recorded' ? this._capture.drift : 'none';
    this.node.dataset.level = text.level;
  }

  private _label: HTMLSpanElement;
  private _state: ServerState = { kind: 'checking' };
  private _capture: CaptureState | null = null;
  private _recorded = false;
}
