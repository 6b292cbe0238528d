/**
 * The words of nbrepro's state: the server part's, a notebook's capture, as
 * the status item, its dialog, the panel's header and the toolbar indicator
 * say them. Pure, so that they are tested without a browser.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { ServerState } from '../server/api';
import type { CaptureState } from '../tokens';

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

/**
 * What the header says, in words, with a level for its colour.
 */
export function describeHeader(
  state: CaptureState | null,
  recorded: boolean,
  trans: TranslationBundle
): { state: string; text: string; detail: string } {
  if (!state) {
    return {
      state: 'none',
      text: trans.__('No notebook'),
      detail: trans.__(
        'Open or select a notebook to see what it was recorded on.'
      )
    };
  }
  switch (state.kind) {
    case 'off':
      return {
        state: 'off',
        text: trans.__('Recording is off'),
        detail: trans.__('Turn it on in Settings → nbrepro.')
      };
    case 'unsupported':
      return {
        state: 'unsupported',
        text: trans.__('Not a Python kernel'),
        detail: trans.__(
          'nbrepro records Python kernels only; this one runs %1.',
          state.language || trans.__('an unknown language')
        )
      };
    case 'failed':
      return {
        state: 'failed',
        text: trans.__('Recording failed'),
        detail: state.reason
      };
    case 'waiting':
    case 'capturing':
      return recorded
        ? {
            state: 'checking',
            text: trans.__('Recorded; checking the kernel…'),
            detail: ''
          }
        : {
            state: 'checking',
            text: trans.__('Not recorded yet'),
            detail:
              state.kind === 'waiting'
                ? trans.__('Start a Python kernel and run a cell.')
                : trans.__('Reading the kernel’s environment…')
          };
    case 'recorded':
      if (!recorded) {
        return {
          state: 'unrecorded',
          text: trans.__('Not recorded yet'),
          detail: trans.__(
            'Run a cell: its environment is recorded in the notebook when you save it.'
          )
        };
      }
      if (state.drift === 'high') {
        return {
          state: 'serious',
          text: trans.__('Serious drift'),
          detail: trans.__(
            'The kernel differs from the recorded environment in ways that can change results.'
          )
        };
      }
      if (state.drift === 'medium' || state.drift === 'low') {
        return {
          state: 'minor',
          text: trans.__('Minor drift'),
          detail: trans.__(
            'The kernel differs a little from the recorded environment.'
          )
        };
      }
      return {
        state: 'matching',
        text: trans.__('Recorded and matching'),
        detail: trans.__('The kernel matches the environment recorded here.')
      };
  }
}
