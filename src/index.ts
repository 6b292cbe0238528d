/**
 * nbrepro's JupyterLab (and Notebook 7) extension: the wiring only. Each
 * plugin owns one surface; they share the core through tokens.ts.
 *
 *   record/      the door (document.ts) and the model: metadata.nbrepro read,
 *                checked, merged and written only there
 *   capture/     one controller per notebook: asks the kernel, writes the
 *                record, measures drift
 *   drift/       the graded diff (twin of python/nbrepro/drift/)
 *   export/      the export dialog and its requests to the server part
 *   server/      the client of the server part
 *   vocabulary/  every word a person reads, as pure functions
 *   ui/          the widgets: sidebar panels, status item, toolbar, toasts
 *   plugins/     one JupyterLab plugin per surface, wiring the above
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { commandsPlugin } from './plugins/commands';
import { corePlugin } from './plugins/core';
import { notificationsPlugin } from './plugins/notifications';
import { sidebarPlugin } from './plugins/sidebar';
import { statusBarPlugin } from './plugins/statusbar';
import { toolbarPlugin } from './plugins/toolbar';

const plugins: JupyterFrontEndPlugin<any>[] = [
  corePlugin,
  sidebarPlugin,
  commandsPlugin,
  statusBarPlugin,
  toolbarPlugin,
  notificationsPlugin
];

export default plugins;
export * from './tokens';
