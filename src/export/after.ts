/**
 * What the toast after an export offers: the bundle's README (how to rebuild
 * and verify it), the bundle in the file browser, the zip to download.
 *
 * - A folder: "Open README" opens its README.md with JupyterLab's Markdown
 *   viewer (Notebook 7 opens it in a tab of its own, its way with files).
 * - A zip: its files cannot be opened in place, so "Read README" shows the
 *   README the server read from it, rendered (sanitised) in a dialog; and
 *   "Download" saves the zip.
 * - "Show in file browser", where the file browser is in the page
 *   (JupyterLab): its folder, with the bundle selected. In Notebook 7 "Open
 *   folder" opens the folder's file list in a new tab.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt, URLExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { el } from '../ui/dom';

/**
 * What the actions need to know of the export.
 */
export interface IWritten {
  output: string;
  format: 'folder' | 'zip';
  readme: string;
}

export interface IAfterExport {
  app: JupyterFrontEnd;
  trans: TranslationBundle;
  fileBrowser?: IDefaultFileBrowser | null;
  rendermime?: IRenderMimeRegistry | null;
}

const MARKDOWN_VIEWER = 'Markdown Preview';

export function afterExportActions(
  options: IAfterExport,
  result: IWritten
): Notification.IAction[] {
  const { app, trans } = options;
  const actions: Notification.IAction[] = [];
  const folder = result.format === 'folder';
  if (folder && app.commands.hasCommand('docmanager:open')) {
    actions.push({
      label: trans.__('Open README'),
      caption: trans.__(
        'How to rebuild the environment and verify the results'
      ),
      displayType: 'accent',
      callback: event => {
        // The toast stays: the bundle in the file browser is one click away.
        event.preventDefault();
        void openReadme(app, PathExt.join(result.output, 'README.md'));
      }
    });
  } else if (result.readme) {
    actions.push({
      label: trans.__('Read README'),
      caption: trans.__(
        'How to rebuild the environment and verify the results'
      ),
      displayType: 'accent',
      callback: event => {
        event.preventDefault();
        void showReadme(options, result);
      }
    });
  }
  if (!folder) {
    actions.push({
      label: trans.__('Download'),
      callback: () => void download(app, result.output)
    });
  }
  const browser = options.fileBrowser;
  if (browser && [...app.shell.widgets('left')].includes(browser)) {
    actions.push({
      label: trans.__('Show in file browser'),
      callback: () => void select(app, browser, result.output)
    });
  } else {
    actions.push({
      label: trans.__('Open folder'),
      caption: trans.__('The folder the bundle is in, in a new tab'),
      callback: () =>
        openFolder(
          app.serviceManager.serverSettings.baseUrl,
          PathExt.dirname(result.output)
        )
    });
  }
  return actions;
}

async function openReadme(app: JupyterFrontEnd, path: string): Promise<void> {
  const viewer = app.docRegistry?.getWidgetFactory(MARKDOWN_VIEWER);
  await app.commands.execute(
    'docmanager:open',
    viewer ? { path, factory: MARKDOWN_VIEWER } : { path }
  );
}

/**
 * The bundle's folder in the file browser, with the bundle selected.
 */
async function select(
  app: JupyterFrontEnd,
  browser: IDefaultFileBrowser,
  output: string
): Promise<void> {
  const parent = PathExt.dirname(output);
  await browser.model.cd('/' + parent);
  app.shell.activateById(browser.id);
  await browser.selectItemByName(PathExt.basename(output));
}

function openFolder(baseUrl: string, folder: string): void {
  const url = URLExt.join(baseUrl, 'tree', URLExt.encodeParts(folder));
  window.open(url, '_blank', 'noopener');
}

/**
 * The README of a zip bundle in a dialog: rendered as untrusted Markdown
 * (sanitised) when a renderer is there, else as text.
 */
async function showReadme(
  options: IAfterExport,
  result: IWritten
): Promise<void> {
  const { trans, rendermime } = options;
  const body = new Widget();
  body.addClass('jp-nbrepro-Readme');
  if (rendermime) {
    const renderer = rendermime.createRenderer('text/markdown');
    await renderer.renderModel(
      rendermime.createModel({
        data: { 'text/markdown': result.readme },
        trusted: false
      })
    );
    body.node.appendChild(renderer.node);
  } else {
    body.node.appendChild(el('pre', undefined, result.readme));
  }
  await showDialog({
    title: trans.__('README of %1', PathExt.basename(result.output)),
    body,
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
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
