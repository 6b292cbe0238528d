/**
 * Export from the browser: save the notebook, ask the server part what the
 * export check finds, show the dialog (./dialog.ts), write the bundle and
 * follow it with a notification.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { IDriftReport } from '../drift/diff';
import { RequestError, requestAPI } from '../server/api';
import { ExportFormat } from '../tokens';
import { IFinding, kernelDriftFindings } from '../vocabulary';
import { ExportDialogBody, ICarriedFile } from './dialog';

/**
 * The server's answer to an export: where the bundle is, relative to
 * Jupyter's root, and what a reviewer should know about it.
 */
export interface IExportResult {
  output: string;
  format: ExportFormat;
  files: string[];
  findings: IFinding[];
  untranslated: { cell?: number; line?: number; source?: string }[];
}

/**
 * What the export flow needs from the plugin.
 */
export interface IExportOptions {
  app: JupyterFrontEnd;
  trans: TranslationBundle;
  /** The format the dialog selects first (the `exportFormat` setting). */
  defaultFormat: () => ExportFormat;
  /** Input data the bundle carries, in bytes (the `exportDataLimitMB` setting). */
  dataLimit?: () => number;
  /** Keep the format the user chose, for the next export. */
  rememberFormat?: (format: ExportFormat) => void;
  /**
   * The largest local wheel the bundle carries, in bytes (the
   * `exportWheelLimitMB` setting).
   */
  wheelLimit?: () => number;
  /** Why the server part cannot export, or null when it answered. */
  serverProblem: () => string | null;
  /**
   * The drift from the recorded environment to the running kernel's, which
   * the front end knows before any cell runs (the file does not show it).
   */
  kernelDrift: () => IDriftReport | null;
}

/**
 * Save the notebook, show what the gate found, write the bundle beside the
 * notebook and say where it went.
 */
export async function exportBundle(
  panel: NotebookPanel,
  options: IExportOptions
): Promise<void> {
  const { app, trans } = options;
  const problem = options.serverProblem();
  if (problem) {
    await Private.showError(trans.__('Cannot export the notebook'), problem);
    return;
  }
  // The server reads the file: save first, so it exports what the user sees.
  if (panel.context.model.dirty) {
    try {
      await panel.context.save();
    } catch {
      return; // JupyterLab has shown why the save failed.
    }
  }
  const path = app.serviceManager.contents.localPath(panel.context.path);
  const request = Private.requester(app, path, options.wheelLimit?.());

  let findings: IFinding[];
  let carried: ICarriedFile[];
  try {
    const limit = options.dataLimit?.();
    const checked = await request(
      limit === undefined
        ? { check_only: true }
        : { check_only: true, data_limit: limit }
    );
    findings = checked.findings ?? [];
    carried = Array.isArray(checked.carried) ? checked.carried : [];
    const drift = options.kernelDrift();
    if (drift && !findings.some(finding => finding.kind === 'drift')) {
      findings = [...findings, ...kernelDriftFindings(drift, trans)];
    }
  } catch (error) {
    await Private.showError(
      trans.__('Cannot export %1', panel.title.label),
      Private.messageOf(error)
    );
    return;
  }
  const body = new ExportDialogBody(
    findings,
    options.defaultFormat(),
    trans,
    carried
  );
  const choice = await showDialog<ExportFormat>({
    title: trans.__('Export Reproducible Bundle'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      findings.length > 0
        ? Dialog.warnButton({ label: trans.__('Export anyway') })
        : Dialog.okButton({ label: trans.__('Export') })
    ]
  });
  if (!choice.button.accept || !choice.value) {
    return;
  }
  options.rememberFormat?.(choice.value);
  await Private.write(options, request, choice.value, false);
}

namespace Private {
  type Request = (body: Record<string, unknown>) => Promise<any>;

  export function requester(
    app: JupyterFrontEnd,
    path: string,
    wheelLimit?: number
  ): Request {
    // Sent with every request: the check reports what the export would not carry.
    const limit =
      typeof wheelLimit === 'number' && wheelLimit >= 0
        ? { wheel_limit: wheelLimit }
        : {};
    return body =>
      requestAPI<any>('export', app.serviceManager.serverSettings, {
        method: 'POST',
        body: JSON.stringify({ path, ...limit, ...body })
      });
  }

  export function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }

  export async function showError(title: string, message: string) {
    // A string body is set as text by the dialog, never parsed as HTML.
    await showDialog({
      title,
      body: message,
      buttons: [Dialog.okButton()]
    });
  }

  /**
   * Export, with a notification that follows it; on 409 ask before
   * replacing the bundle written last time.
   */
  export async function write(
    options: IExportOptions,
    request: Request,
    format: ExportFormat,
    force: boolean
  ): Promise<void> {
    const { trans } = options;
    const id = Notification.emit(trans.__('Exporting bundle…'), 'in-progress', {
      autoClose: false
    });
    const shown = Date.now();
    let result: IExportResult;
    try {
      const limit = options.dataLimit?.();
      result = await request(
        limit === undefined
          ? { format, force }
          : { format, force, data_limit: limit }
      );
      await settled(shown);
    } catch (error) {
      await settled(shown);
      if (error instanceof RequestError && error.status === 409 && !force) {
        Notification.dismiss(id);
        const replace = await showDialog({
          title: trans.__('Replace the existing bundle?'),
          body: error.message,
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.warnButton({ label: trans.__('Replace') })
          ]
        });
        if (replace.button.accept) {
          await write(options, request, format, true);
        }
        return;
      }
      const message = messageOf(error);
      Notification.update({
        id,
        type: 'error',
        message: trans.__('Export failed: %1', message),
        autoClose: false,
        actions: [
          {
            label: trans.__('Details'),
            callback: () => void showError(trans.__('Export failed'), message)
          }
        ]
      });
      return;
    }
    Notification.update({
      id,
      type: 'success',
      message:
        result.untranslated.length > 0
          ? trans.__(
              'Bundle written to %1; %2 lines need a look by hand (see its README).',
              result.output,
              result.untranslated.length
            )
          : trans.__('Bundle written to %1', result.output),
      autoClose: 15_000,
      actions: resultActions(options, result)
    });
  }

  /**
   * JupyterLab creates a toast asynchronously, and an update or dismissal
   * that arrives before the toast is on screen is lost (the in-progress toast
   * then spins forever): give it time to appear first.
   */
  async function settled(shown: number): Promise<void> {
    const wait = TOAST_SETTLE_MS - (Date.now() - shown);
    if (wait > 0) {
      await new Promise(resolve => setTimeout(resolve, wait));
    }
  }

  const TOAST_SETTLE_MS = 500;

  function resultActions(
    options: IExportOptions,
    result: IExportResult
  ): Notification.IAction[] {
    const { app, trans } = options;
    const actions: Notification.IAction[] = [];
    if (result.format === 'zip') {
      actions.push({
        label: trans.__('Download'),
        callback: () => void download(app, result.output)
      });
    }
    if (app.commands.hasCommand('filebrowser:go-to-path')) {
      actions.push({
        label: trans.__('Show in file browser'),
        callback: () =>
          void app.commands.execute('filebrowser:go-to-path', {
            path: result.output
          })
      });
    }
    return actions;
  }

  async function download(app: JupyterFrontEnd, path: string) {
    const url = new URL(
      await app.serviceManager.contents.getDownloadUrl(path),
      window.location.href
    );
    url.searchParams.set('download', '1');
    const link = document.createElement('a');
    link.href = url.toString();
    link.download = '';
    document.body.appendChild(link);
    link.click();
    link.remove();
  }
}
