import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { NotebookCapture } from '../capture/controller';
import { snapshotNames } from '../vocabulary';
import { el } from './dom';

/**
 * Accept the kernel's environment for a notebook, honestly: a dialog first
 * says what it means (the notebook will vouch for this environment, while
 * the outputs on screen came from the recorded one until the cells run
 * again), then a notification offers to undo it. The panel, the drift toast
 * and the Kernel menu all accept through here.
 */
export async function acceptWithConfirmation(
  capture: NotebookCapture,
  trans: TranslationBundle
): Promise<boolean> {
  const drift = capture.drift;
  const record = capture.record;
  if (!drift || !record) {
    return false;
  }
  const notebook = capture.panel.title.label;
  const names = snapshotNames(
    record,
    [drift.recorded, drift.kernel],
    drift.kernel,
    trans
  );
  const body = new Widget();
  body.addClass('jp-nbrepro-AcceptDialog');
  body.node.appendChild(
    el(
      'p',
      undefined,
      trans.__(
        '%1 will vouch for this kernel’s environment (%2) instead of the recorded one (%3).',
        notebook,
        names.get(drift.kernel) ?? '',
        names.get(drift.recorded) ?? ''
      )
    )
  );
  body.node.appendChild(
    el(
      'p',
      undefined,
      trans.__(
        'The outputs on screen came from the recorded environment: they stay as they are until you run the cells again. You can undo this.'
      )
    )
  );
  const result = await showDialog({
    title: trans.__('Accept this kernel’s environment?'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Accept') })
    ]
  });
  if (!result.button.accept || capture.isDisposed) {
    return false;
  }
  const previous = capture.accept();
  if (previous === undefined) {
    return false;
  }
  Notification.success(
    trans.__(
      '%1 now vouches for this kernel’s environment; its outputs came from the earlier one until the cells run again.',
      notebook
    ),
    {
      autoClose: 15_000,
      actions: [
        {
          label: trans.__('Undo'),
          caption: trans.__('Vouch again for the environment recorded before'),
          callback: () => capture.undoAccept(previous)
        }
      ]
    }
  );
  return true;
}
