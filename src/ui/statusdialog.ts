import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';
import { ServerState } from '../server/api';
import { describeServerState, describeStatus } from '../vocabulary';

/**
 * The status dialog: whether nbrepro and its server part are active, and the
 * current notebook's state. Resolves true when the user chose "Open panel"
 * (offered when there is a notebook and the server part answered).
 */
export async function showStatusDialog(
  server: ServerState,
  capture: NotebookCapture | null,
  hasNotebook: boolean,
  trans: TranslationBundle
): Promise<boolean> {
  const state = capture?.state ?? null;
  const text = describeStatus(
    server,
    state,
    capture?.isRecorded ?? false,
    trans
  );
  const body = new Widget();
  body.addClass('jp-nbrepro-StatusDialog');
  // textContent, never innerHTML: details may carry a server's message.
  const lines = [describeServerState(server, trans).title];
  const offersPanel = hasNotebook && server.kind === 'ok';
  if (state && server.kind === 'ok') {
    // The dialog's words name its own button, "Open panel", not a click.
    lines.push(text.panel ? text.title + ' ' + text.panel : text.title);
  }
  for (const line of lines) {
    const paragraph = document.createElement('p');
    paragraph.textContent = line;
    body.node.appendChild(paragraph);
  }
  const result = await showDialog({
    title: text.label,
    body,
    buttons: offersPanel
      ? [
          Dialog.cancelButton({ label: trans.__('Close') }),
          Dialog.okButton({ label: trans.__('Open panel') })
        ]
      : [Dialog.okButton({ label: trans.__('Close') })]
  });
  return offersPanel && result.button.accept;
}
