/**
 * The settings of schema/plugin.json, read into ISettings: a value of the
 * wrong type (settings are hand-edited JSON too) falls back to its default.
 * Pure, so that it is tested without JupyterLab.
 */
import { DEFAULT_CAPTURE_SETTINGS } from '../capture/controller';
import { ISettings } from '../tokens';

export const DEFAULT_SETTINGS: ISettings = {
  capture: DEFAULT_CAPTURE_SETTINGS,
  showStatusItem: true,
  showToolbarItem: true,
  exportFormat: 'folder',
  exportDataLimitMB: 50,
  exportWheelLimitMB: 50
};

function limit(value: unknown): number {
  return typeof value === 'number' && value >= 0 ? value : 50;
}

/**
 * ISettings from the composite value of each setting.
 */
export function readSettings(get: (key: string) => unknown): ISettings {
  const ignore = get('ignorePackages');
  return {
    capture: {
      enabled: get('captureEnabled') !== false,
      mode:
        get('captureMode') === 'kernel-start' ? 'kernel-start' : 'every-run',
      gpu: get('captureGpu') !== false,
      recordHostname: get('recordHostname') === true,
      recordPaths: get('recordPaths') === true,
      ignorePackages: ((ignore as string[] | undefined) ?? []).filter(
        pattern => typeof pattern === 'string'
      )
    },
    showStatusItem: get('showStatusItem') !== false,
    showToolbarItem: get('showToolbarItem') !== false,
    exportFormat: get('exportFormat') === 'zip' ? 'zip' : 'folder',
    exportDataLimitMB: limit(get('exportDataLimitMB')),
    exportWheelLimitMB: limit(get('exportWheelLimitMB'))
  };
}
