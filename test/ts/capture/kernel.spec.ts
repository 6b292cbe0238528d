import {
  collectExpression,
  decodeReply,
  IEnginePayload,
  OPTIONS_PLACEHOLDER
} from '../../../src/capture/kernel';

const engine: IEnginePayload = {
  version: 'v',
  source: '',
  install_hooks: '',
  collect_template: `run(${OPTIONS_PLACEHOLDER})`,
  not_installed: 'NBREPRO_NOT_INSTALLED'
};

describe('collectExpression', () => {
  it('passes the options as a string literal Python reads as the same JSON', () => {
    const options = {
      want_environments: ['a\'b"c\\d', 'ünïcode', '\u2028line'],
      gpu: false
    };
    const expression = collectExpression(engine, options);
    const literal = expression.slice('run('.length, -1);
    // JSON string literal: double-quoted, escaped; Python reads it the same.
    expect(literal.startsWith('"')).toBe(true);
    expect(JSON.parse(JSON.parse(literal))).toEqual(options);
    expect(expression).not.toContain(OPTIONS_PLACEHOLDER);
  });
});

describe('decodeReply', () => {
  it('decodes the repr of a base64 JSON string, UTF-8 included', () => {
    const json = JSON.stringify({ name: 'naïve-pkg', n: 1 });
    const base64 = Buffer.from(json, 'utf-8').toString('base64');
    expect(decodeReply(`'${base64}'`)).toEqual({ name: 'naïve-pkg', n: 1 });
  });

  it('throws on what is not base64 JSON', () => {
    expect(() => decodeReply("'not base64!'")).toThrow();
  });
});
