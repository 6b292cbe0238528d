import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IVerifyCell } from '../server/verify';
import { IVerifier } from '../tokens';
import { CellMarks, cellIndex, showVerifyDetails } from '../ui/cellmarks';
import { VerifyRegistry } from '../verify/controller';

/**
 * Verify: each notebook's re-run in a fresh kernel on the server (never in
 * the user's kernel, never writing the notebook), and the marks beside its
 * cells. The command is in plugins/commands.ts, the section in the panel.
 */
export const verifyPlugin: JupyterFrontEndPlugin<IVerifier> = {
  id: 'nbrepro:verify',
  description:
    'Re-runs a notebook in a fresh kernel on the server and marks each cell same, different or error.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ITranslator],
  provides: IVerifier,
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null
  ): IVerifier => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const registry = new VerifyRegistry(
      tracker,
      app.serviceManager.serverSettings,
      path => app.serviceManager.contents.localPath(path)
    );
    registry.added.connect((_, verify) => {
      // The marks live as long as the notebook's verify (signals hold them).
      new CellMarks(verify, trans);
    });
    return { of: (notebook: NotebookPanel) => registry.of(notebook) };
  }
};

/**
 * Bring a verified cell into view and show its result.
 */
export function showVerifiedCell(
  notebook: NotebookPanel,
  cell: IVerifyCell,
  trans: ReturnType<ITranslator['load']>
): void {
  const model = notebook.content.model;
  const index = model ? cellIndex(model, cell) : -1;
  if (index >= 0) {
    notebook.content.activeCellIndex = index;
    void notebook.content.scrollToItem(index, 'center');
  }
  void showVerifyDetails(notebook, cell, trans);
}
