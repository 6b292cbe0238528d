import { DEFAULT_SETTINGS, readSettings } from '../../../src/plugins/settings';

describe('readSettings', () => {
  it('gives the defaults when nothing is set', () => {
    expect(readSettings(() => undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it('reads every setting', () => {
    const values: { [key: string]: unknown } = {
      captureEnabled: false,
      captureMode: 'kernel-start',
      captureGpu: false,
      recordHostname: true,
      recordPaths: true,
      ignorePackages: ['lib*', 3],
      showStatusItem: false,
      showToolbarItem: false,
      exportFormat: 'zip',
      exportDataLimitMB: 0,
      exportWheelLimitMB: 12.5
    };
    expect(readSettings(key => values[key])).toEqual({
      capture: {
        enabled: false,
        mode: 'kernel-start',
        gpu: false,
        recordHostname: true,
        recordPaths: true,
        ignorePackages: ['lib*']
      },
      showStatusItem: false,
      showToolbarItem: false,
      exportFormat: 'zip',
      exportDataLimitMB: 0,
      exportWheelLimitMB: 12.5
    });
  });

  it('falls back to the default for a limit that is not a size', () => {
    const settings = readSettings(key =>
      key === 'exportDataLimitMB'
        ? -1
        : key === 'exportWheelLimitMB'
          ? '9'
          : undefined
    );
    expect(settings.exportDataLimitMB).toBe(50);
    expect(settings.exportWheelLimitMB).toBe(50);
  });
});
