import { nullTranslator } from '@jupyterlab/translation';

import schema from '../../../schema/plugin.json';
import { commandTable, ICommandContext } from '../../../src/plugins/commands';
import { CommandIDs } from '../../../src/tokens';

/**
 * The command table: building it touches none of what the commands act on.
 */
const context = {
  trans: nullTranslator.load('nbrepro')
} as unknown as ICommandContext;

describe('the command table', () => {
  const table = commandTable(context);

  it('holds every command once, in the palette order', () => {
    expect(table.map(row => row.id)).toEqual([
      CommandIDs.showPanel,
      CommandIDs.showStatus,
      CommandIDs.showEnvironment,
      CommandIDs.showDrift,
      CommandIDs.acceptEnvironment,
      CommandIDs.exportBundle
    ]);
    expect(new Set(table.map(row => row.id)).size).toBe(
      Object.keys(CommandIDs).length
    );
  });

  it('holds every command the menus of schema/plugin.json name', () => {
    const named = (schema as any)['jupyter.lab.menus'].main.flatMap(
      (menu: any) => menu.items.map((item: any) => item.command)
    );
    const ids = table.map(row => row.id);
    for (const command of named.filter(Boolean)) {
      expect(ids).toContain(command);
    }
  });

  it('says whose command it is in the palette, and explains each', () => {
    for (const row of table) {
      expect(row.paletteLabel).toMatch(/^nbrepro: /);
      expect(
        row.paletteLabel.endsWith(row.label.replace(/^nbrepro: /, ''))
      ).toBe(true);
      expect(row.caption.length).toBeGreaterThan(20);
    }
  });
});
