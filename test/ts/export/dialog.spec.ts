import { nullTranslator } from '@jupyterlab/translation';

import findingTitles from '../../../src/data/finding-titles.json';
import { ExportDialogBody } from '../../../src/export/dialog';
import { IFinding } from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');

describe('ExportDialogBody', () => {
  it('lists every file the bundle carries from the project, path and size, as text', () => {
    const carried = [
      { path: 'data/x.csv', size: 8 },
      { path: 'lib/<b>helper</b>.py', size: 4096 }
    ];
    const body = new ExportDialogBody([], 'folder', trans, carried);
    const shown = Array.from(
      body.node.querySelectorAll('.jp-nbrepro-ExportDialog-carried li')
    ).map(item => item.textContent);
    expect(shown).toEqual([
      'data/x.csv (8 B)',
      'lib/<b>helper</b>.py (4.0 KB)'
    ]);
    expect(body.node.querySelector('b')).toBeNull();
    expect(body.node.textContent).toContain(
      'The bundle carries 2 files from the project:'
    );
  });

  it('says nothing of carried files when the bundle carries none', () => {
    const body = new ExportDialogBody([], 'folder', trans);
    expect(
      body.node.querySelector('.jp-nbrepro-ExportDialog-carried')
    ).toBeNull();
  });

  it('shows findings from notebook metadata as text, never as markup', () => {
    const findings: IFinding[] = [
      {
        kind: 'edited-after-run',
        cells: [2],
        message: 'cell 2 <img src=x onerror="window.pwned=1"> changed'
      }
    ];
    const body = new ExportDialogBody(findings, 'folder', trans);
    expect(body.node.querySelector('img')).toBeNull();
    const item = body.node.querySelector('li');
    expect(item?.dataset.kind).toBe('edited-after-run');
    expect(item?.textContent).toContain(
      'cell 2 <img src=x onerror="window.pwned=1"> changed'
    );
    expect((window as any).pwned).toBeUndefined();
  });

  it('titles every finding kind as src/data/finding-titles.json does (the bundle README prints the same)', () => {
    const titles: Record<string, string> = findingTitles.titles;
    const findings: IFinding[] = Object.keys(titles).map((kind, index) => ({
      kind,
      cells: [index + 1],
      message: 'x'
    }));
    const body = new ExportDialogBody(findings, 'folder', trans);
    const shown = Array.from(body.node.querySelectorAll('li')).map(item => [
      item.dataset.kind,
      item.querySelector('strong')?.textContent
    ]);
    expect(shown).toEqual(Object.entries(titles));
  });

  it('titles the input and randomness findings in words', () => {
    const findings: IFinding[] = [
      { kind: 'unseeded', cells: [1], message: 'cell 1 drew' },
      { kind: 'missing-inputs', cells: [2], message: 'helpers.py is gone' },
      { kind: 'large-inputs', cells: [3], message: 'data/big.csv' }
    ];
    const body = new ExportDialogBody(findings, 'folder', trans);
    const titles = Array.from(body.node.querySelectorAll('li strong')).map(
      node => node.textContent
    );
    expect(titles).toEqual([
      'Unseeded randomness',
      'Files the bundle lacks',
      'Input data not carried'
    ]);
  });

  it('titles a package no index has and names what to supply, as text', () => {
    const findings: IFinding[] = [
      {
        kind: 'not-fetchable',
        cells: [],
        message:
          "mylib 0.1.0: installed from a local file, not carried in the bundle (its file is 60.0 MB, over the 50.0 MB wheel limit); no index has it: put its wheel or sdist in the bundle's wheels/ folder <b>now</b>"
      }
    ];
    const body = new ExportDialogBody(findings, 'folder', trans);
    const item = body.node.querySelector('li');
    expect(item?.dataset.kind).toBe('not-fetchable');
    expect(item?.querySelector('strong')?.textContent).toBe(
      'Package no index has'
    );
    expect(item?.textContent).toContain('mylib 0.1.0');
    expect(item?.textContent).toContain('wheels/ folder <b>now</b>');
    expect(body.node.querySelector('b')).toBeNull();
  });

  it('titles a recording that stopped at an error', () => {
    const findings: IFinding[] = [
      {
        kind: 'stopped',
        cells: [4],
        message: 'recording stopped at cell 4: ZeroDivisionError'
      }
    ];
    const body = new ExportDialogBody(findings, 'folder', trans);
    const item = body.node.querySelector('li');
    expect(item?.dataset.kind).toBe('stopped');
    expect(item?.textContent).toContain('Recording stopped at an error');
    expect(item?.textContent).toContain('cell 4: ZeroDivisionError');
  });

  it('says when nothing was found and lists nothing', () => {
    const body = new ExportDialogBody([], 'folder', trans);
    expect(body.node.querySelector('li')).toBeNull();
    expect(body.node.textContent).toContain('No problems found');
  });

  it('starts on the format the setting names and returns the one picked', () => {
    const body = new ExportDialogBody([], 'zip', trans);
    expect(body.getValue()).toBe('zip');
    const folder = body.node.querySelector<HTMLInputElement>(
      'input[value="folder"]'
    );
    folder!.checked = true;
    expect(body.getValue()).toBe('folder');
  });
});
