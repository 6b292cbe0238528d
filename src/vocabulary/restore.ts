/**
 * The words of the restore section: what is left alone and why, and the way
 * to the recorded versions that cannot touch the Jupyter server. Pure.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { IRestorePlan } from '../drift/restore';
import { changeText } from './drift';

const LISTED = 4;

function listNames(names: string[], trans: TranslationBundle): string {
  const shown = names.slice(0, LISTED).join(', ');
  const more = names.length - LISTED;
  return more > 0
    ? trans._n('%2 and %1 more', '%2 and %1 more', more, shown)
    : shown;
}

/**
 * The restore section's sentences, in the order shown: the warning when the
 * kernel shares the server's environment, then what stays as it is.
 */
export function restoreNotes(
  plan: IRestorePlan,
  trans: TranslationBundle
): { warning: string; notes: string[] } {
  let warning = '';
  if (plan.sharesServer) {
    warning = trans.__(
      'This kernel runs in the Jupyter server’s own environment: installing other versions here can stop JupyterLab itself.'
    );
  }
  const notes: string[] = [];
  if (plan.held.length > 0) {
    const names = plan.held.map(d => d.name ?? '').filter(Boolean);
    notes.push(
      plan.sharesServer
        ? trans._n(
            '%2 stays as it is: the Jupyter server, the kernel or nbrepro needs it.',
            '%2 stay as they are: the Jupyter server, the kernel or nbrepro needs them.',
            names.length,
            listNames(names, trans)
          )
        : trans._n(
            '%2 stays as it is: the kernel needs it (the server part did not say which environment Jupyter runs in).',
            '%2 stay as they are: the kernel needs them (the server part did not say which environment Jupyter runs in).',
            names.length,
            listNames(names, trans)
          )
    );
  }
  for (const tool of plan.tools) {
    notes.push(
      trans.__(
        '%1: its version changes no result, so it is not changed back.',
        changeText(tool, trans)
      )
    );
  }
  if (plan.added.length > 0) {
    notes.push(
      trans._n(
        '%1 package installed since the recording stays installed: nbrepro never uninstalls anything.',
        '%1 packages installed since the recording stay installed: nbrepro never uninstalls anything.',
        plan.added.length
      )
    );
  }
  return { warning, notes };
}

/**
 * The way to exactly the recorded versions without touching this
 * environment: the bundle's environment, built beside it, as a kernel.
 */
export function restoreAlternative(
  bundle: string,
  kernelName: string,
  trans: TranslationBundle
): { text: string; command: string } {
  return {
    text: trans.__(
      'For exactly the recorded versions, build them beside this environment: export the bundle (Export…), then in a terminal build its environment and make it a kernel:'
    ),
    command: `cd ${bundle} && ./run.sh --no-run && .env/bin/python -m ipykernel install --user --name ${kernelName}`
  };
}
