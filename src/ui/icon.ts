import { LabIcon } from '@jupyterlab/ui-components';

/**
 * nbrepro's icon: a notebook page with a circular arrow, "run it again". Not
 * a shield: JupyterLab's trust indicator is one, and sits beside ours.
 */
const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<g class="jp-icon3" fill="#616161">' +
  '<path d="M5 2h9l5 5v4h-2V8h-4V4H6v16h5v2H5a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1z"/>' +
  '<path d="M7.5 10h7v1.6h-7zM7.5 13.5h4v1.6h-4z"/>' +
  '<path d="M17.6 12.6a4.9 4.9 0 1 0 4.8 5.8h-1.9a3.1 3.1 0 1 1-.9-2.9l-1.6 1.6H23v-4.9l-1.6 1.6a4.9 4.9 0 0 0-3.8-1.2z"/>' +
  '</g></svg>';

export const nbreproIcon = new LabIcon({
  name: 'nbrepro:rerun',
  svgstr: ICON_SVG
});
