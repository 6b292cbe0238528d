/**
 * The settings as JupyterLab's Settings Editor draws them: its own form
 * (FormComponent, rjsf) rendered from schema/plugin.json. Each title and
 * description must be said once.
 */
import { FormComponent, ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import * as fs from 'fs';
import * as path from 'path';

import schema from '../../../schema/plugin.json';

/**
 * The text a user sees: JupyterLab's own stylesheet for these forms hides
 * some of what rjsf renders (a checkbox's second description), so it is
 * applied, and hidden nodes are left out.
 */
function visibleText(root: HTMLElement): string {
  const parts: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let shown = true;
    for (let el = node.parentElement; el; el = el.parentElement) {
      if (window.getComputedStyle(el).display === 'none') {
        shown = false;
        break;
      }
    }
    if (shown) {
      parts.push(node.textContent ?? '');
    }
  }
  return parts.join('\n');
}

// The editor validates with ajv; what is drawn does not depend on it.
const validator: any = {
  validateFormData: () => ({ errors: [], errorSchema: {} }),
  toErrorList: () => [],
  isValid: () => true,
  rawValidation: () => ({ errors: [] })
};

describe('the settings form', () => {
  it('says each setting’s words once', async () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    const style = document.createElement('style');
    style.textContent = fs.readFileSync(
      path.join(
        require.resolve('@jupyterlab/ui-components/package.json'),
        '..',
        'style',
        'rjsfTemplates.css'
      ),
      'utf-8'
    );
    document.head.appendChild(style);
    const form = ReactWidget.create(
      React.createElement(FormComponent as any, {
        schema,
        formData: {},
        validator,
        liveValidate: false,
        idPrefix: 'jp-SettingsEditor-nbrepro'
      })
    );
    await act(async () => {
      Widget.attach(form, document.body);
      await form.renderPromise;
    });
    const text = visibleText(form.node);
    const properties = (schema as any).properties as Record<string, any>;
    expect(text).toContain(properties.ignorePackages.title);
    const count = (words: string) => text.split(words).length - 1;
    for (const [name, property] of Object.entries(properties)) {
      for (const words of [property.title, property.description]) {
        if (words) {
          expect([name, count(words)]).toEqual([name, 1]);
        }
      }
    }
    await act(async () => form.dispose());
    style.remove();
  });
});
