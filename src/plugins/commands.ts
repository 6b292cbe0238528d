import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

import { exportBundle } from '../export/flow';
import { CommandIDs, INbrepro, IReproPanel } from '../tokens';
import { nbreproIcon } from '../ui/sidebar';
import { showStatusDialog } from '../ui/statusdialog';
import { describeServerState } from '../vocabulary';

/**
 * One command: the table below holds them all, in the palette's order.
 */
export interface ICommandRow {
  id: string;
  /** In menus and buttons. */
  label: string;
  /** In the palette, which lists everyone's commands: it says whose. */
  paletteLabel: string;
  caption: string;
  /** Except in a toolbar. */
  icon?: LabIcon;
  execute: () => unknown;
}

/**
 * What the commands act on.
 */
export interface ICommandContext {
  app: JupyterFrontEnd;
  core: INbrepro;
  tracker: INotebookTracker;
  panel: IReproPanel;
  trans: TranslationBundle;
}

/**
 * nbrepro's commands, one row each. A command that cannot act says why
 * (an info notification) rather than doing nothing.
 */
export function commandTable(context: ICommandContext): ICommandRow[] {
  const { tracker, panel, trans } = context;
  const inPanel = (section: 'environment' | 'drift') => () =>
    tracker.currentWidget
      ? panel.open(tracker.currentWidget, section)
      : Private.noNotebook(trans);
  return [
    {
      id: CommandIDs.showPanel,
      label: trans.__('Show Reproducibility Panel'),
      paletteLabel: trans.__('nbrepro: Show Reproducibility Panel'),
      caption: trans.__(
        'Open the nbrepro panel in the right sidebar: the active notebook’s environment, drift and export'
      ),
      icon: nbreproIcon,
      execute: () => panel.open(tracker.currentWidget, null)
    },
    {
      id: CommandIDs.showStatus,
      label: trans.__('nbrepro: Show Status'),
      paletteLabel: trans.__('nbrepro: Show Status'),
      caption: trans.__('Show whether nbrepro and its server part are active'),
      execute: () => Private.showStatus(context)
    },
    {
      id: CommandIDs.showEnvironment,
      label: trans.__('Show Recorded Environment'),
      paletteLabel: trans.__('nbrepro: Show Recorded Environment'),
      caption: trans.__(
        'Show the environment recorded in the current notebook: Python, platform, GPU, seeds and packages'
      ),
      execute: inPanel('environment')
    },
    {
      id: CommandIDs.showDrift,
      label: trans.__('Show Environment Drift'),
      paletteLabel: trans.__('nbrepro: Show Environment Drift'),
      caption: trans.__(
        'Show what differs between the environment recorded in the notebook and its kernel, and how to restore it'
      ),
      execute: inPanel('drift')
    },
    {
      id: CommandIDs.acceptEnvironment,
      label: trans.__('Accept Current Environment'),
      paletteLabel: trans.__('nbrepro: Accept Current Environment'),
      caption: trans.__(
        'Record the kernel’s environment as the one this notebook vouches for'
      ),
      execute: () => Private.accept(context)
    },
    {
      id: CommandIDs.exportBundle,
      label: trans.__('Export Reproducible Bundle…'),
      paletteLabel: trans.__('nbrepro: Export Reproducible Bundle…'),
      caption: trans.__(
        'Write the notebook, a script, its environment files and a README beside it, to run it again elsewhere'
      ),
      execute: () => Private.exportCurrent(context)
    }
  ];
}

/**
 * The commands, in the palette under "nbrepro" and in the menus
 * schema/plugin.json names.
 */
export const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbrepro:commands',
  description: "nbrepro's commands.",
  autoStart: true,
  requires: [INbrepro, INotebookTracker, IReproPanel],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    core: INbrepro,
    tracker: INotebookTracker,
    panel: IReproPanel,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('nbrepro');
    const table = commandTable({ app, core, tracker, panel, trans });
    for (const row of table) {
      app.commands.addCommand(row.id, {
        label: args => (args.isPalette ? row.paletteLabel : row.label),
        caption: row.caption,
        icon: row.icon
          ? args => (args.toolbar ? undefined : row.icon)
          : undefined,
        describedBy: { args: { type: 'object', properties: {} } },
        execute: row.execute
      });
      palette?.addItem({
        command: row.id,
        category: trans.__('nbrepro'),
        args: { isPalette: true }
      });
    }
  }
};

namespace Private {
  /** Says why, instead of doing nothing, when a command cannot act. */
  export function cannot(why: string): void {
    Notification.info(why, { autoClose: 5000 });
  }

  export function noNotebook(trans: TranslationBundle): void {
    cannot(trans.__('nbrepro: open or select a notebook first.'));
  }

  export async function showStatus(context: ICommandContext): Promise<void> {
    const { app, core, tracker, trans } = context;
    const notebook = tracker.currentWidget;
    const open = await showStatusDialog(
      core.server,
      core.captureOf(notebook),
      notebook !== null,
      trans
    );
    if (open) {
      await app.commands.execute(CommandIDs.showPanel);
    }
  }

  export function accept(context: ICommandContext): void {
    const { core, tracker, trans } = context;
    const capture = core.captureOf(tracker.currentWidget);
    if (!capture) {
      return noNotebook(trans);
    }
    if (!capture.drift) {
      return cannot(
        trans.__(
          'nbrepro: nothing to accept, the kernel matches the recorded environment (or has not reported yet).'
        )
      );
    }
    capture.accept();
  }

  export function exportCurrent(context: ICommandContext): unknown {
    const { app, core, tracker, trans } = context;
    const notebook = tracker.currentWidget;
    if (!notebook) {
      return noNotebook(trans);
    }
    if (core.captureOf(notebook)?.state.kind === 'unsupported') {
      return cannot(
        trans.__(
          'nbrepro: export needs a Python kernel; this notebook runs another language.'
        )
      );
    }
    const bytes = (megabytes: number) => Math.round(megabytes * 1024 * 1024);
    return exportBundle(notebook, {
      app,
      trans,
      defaultFormat: () => core.settings.exportFormat,
      dataLimit: () => bytes(core.settings.exportDataLimitMB),
      rememberFormat: format => core.rememberExportFormat(format),
      wheelLimit: () => bytes(core.settings.exportWheelLimitMB),
      serverProblem: () =>
        core.server.kind === 'ok'
          ? null
          : describeServerState(core.server, trans).title,
      kernelDrift: () => core.captureOf(notebook)?.drift?.report ?? null
    });
  }
}
