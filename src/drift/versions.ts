/**
 * How far apart two versions are, and in which direction: the rules of
 * python/nbrepro/drift/versions.py, which documents them. PEP 440 versions go
 * through @renovatebot/pep440; other conda versions (`9e`, `1.1.1w`,
 * `master`) through a simplified form of conda's VersionOrder.
 */
import {
  compare as pep440Compare,
  parse as pep440Parse
} from '@renovatebot/pep440';

export type Distance = 'same' | 'major' | 'minor' | 'patch' | 'post' | 'local';

/**
 * [order, distance] of versions a and b: order -1, 0 or 1 (a before, equal to,
 * after b).
 */
export function compareVersions(a: string, b: string): [number, Distance] {
  a = a.trim();
  b = b.trim();
  if (a === b) {
    return [0, 'same']; // most packages of two environments: no parsing
  }
  if (a.endsWith('.*') || b.endsWith('.*')) {
    [a, b] = Private.cutToPrefix(a, b);
  }
  const pa = Private.parsePep440(a);
  const pb = pa ? Private.parsePep440(b) : null;
  if (!pa || !pb) {
    return Private.fallbackCompare(a, b);
  }
  const order = Math.sign(pep440Compare(a, b));
  return [order, Private.pep440Distance(pa, pb)];
}

namespace Private {
  interface IParsed {
    epoch: number;
    release: number[];
    pre: string;
    post: string;
    dev: string;
    local: string;
  }

  export function cutToPrefix(a: string, b: string): [string, string] {
    a = a.endsWith('.*') ? a.slice(0, -2) : a;
    b = b.endsWith('.*') ? b.slice(0, -2) : b;
    const count = Math.min(a.split('.').length, b.split('.').length);
    return [
      a.split('.').slice(0, count).join('.'),
      b.split('.').slice(0, count).join('.')
    ];
  }

  export function parsePep440(version: string): IParsed | null {
    // The library's parse returns post, dev and local as arrays, unlike its
    // type declaration: read them as plain values.
    const raw = pep440Parse(version) as unknown as {
      epoch: number;
      release: number[];
      pre: unknown;
      post: unknown;
      dev: unknown;
      local: unknown;
    } | null;
    if (!raw) {
      return null;
    }
    const part = (value: unknown): string =>
      Array.isArray(value) ? value.join('.') : '';
    return {
      epoch: raw.epoch,
      release: raw.release,
      pre: part(raw.pre),
      post: part(raw.post),
      dev: part(raw.dev),
      local: part(raw.local)
    };
  }

  export function pep440Distance(a: IParsed, b: IParsed): Distance {
    if (a.epoch !== b.epoch) {
      return 'major';
    }
    const width = Math.max(a.release.length, b.release.length);
    for (let index = 0; index < width; index++) {
      if ((a.release[index] ?? 0) !== (b.release[index] ?? 0)) {
        return index === 0 ? 'major' : index === 1 ? 'minor' : 'patch';
      }
    }
    if (a.pre !== b.pre || a.dev !== b.dev) {
      return 'patch';
    }
    if (a.post !== b.post) {
      return 'post';
    }
    return a.local !== b.local ? 'local' : 'same';
  }

  // ---------------------------------------------------------- the fallback

  /**
   * [isNumber, text]: a number is its digits without leading zeros, exact at
   * any size.
   */
  type Part = [boolean, string];
  type Component = Part[];
  const ZERO: Part = [true, '0'];

  function parts(component: string): Component {
    const out: Component = [];
    for (const run of component.match(/[0-9]+|[^0-9]+/g) ?? []) {
      if (run[0] >= '0' && run[0] <= '9') {
        out.push([true, run.replace(/^0+/, '') || '0']);
      } else {
        out.push([false, run]);
      }
    }
    return out.length ? out : [ZERO];
  }

  function split(version: string): [Component[], Component[], Component[]] {
    version = version.toLowerCase();
    let epoch = '0';
    let rest = version;
    const bang = version.indexOf('!');
    if (bang >= 0) {
      epoch = version.slice(0, bang);
      rest = version.slice(bang + 1);
    }
    const plus = rest.indexOf('+');
    const main = plus >= 0 ? rest.slice(0, plus) : rest;
    const local = plus >= 0 ? rest.slice(plus + 1) : '';
    const components = (text: string) => text.split(/[._-]/).map(parts);
    return [
      components(epoch),
      components(main),
      local ? components(local) : []
    ];
  }

  function partOrder(x: Part, y: Part): number {
    if (x[0] === y[0] && x[1] === y[1]) {
      return 0;
    }
    if (x[0] && y[0]) {
      if (x[1].length !== y[1].length) {
        return x[1].length < y[1].length ? -1 : 1;
      }
      return x[1] < y[1] ? -1 : 1;
    }
    if (x[0] !== y[0]) {
      const word = x[0] ? y : x;
      const wordFirst = word[1] !== 'post' ? -1 : 1;
      return word === x ? wordFirst : -wordFirst;
    }
    for (const [special, rank] of [
      ['dev', -1],
      ['post', 1]
    ] as [string, number][]) {
      if (x[1] === special) {
        return rank;
      }
      if (y[1] === special) {
        return -rank;
      }
    }
    return x[1] < y[1] ? -1 : 1;
  }

  function componentOrder(x: Component, y: Component): number {
    const width = Math.max(x.length, y.length);
    for (let index = 0; index < width; index++) {
      const order = partOrder(x[index] ?? ZERO, y[index] ?? ZERO);
      if (order) {
        return order;
      }
    }
    return 0;
  }

  function firstDifference(x: Component[], y: Component[]): [number, number] {
    const width = Math.max(x.length, y.length);
    for (let index = 0; index < width; index++) {
      const order = componentOrder(x[index] ?? [ZERO], y[index] ?? [ZERO]);
      if (order) {
        return [index, order];
      }
    }
    return [-1, 0];
  }

  function numbers(component: Component): string {
    return component
      .filter(part => part[0])
      .map(part => part[1])
      .join('.');
  }

  export function fallbackCompare(a: string, b: string): [number, Distance] {
    const [ea, ma, la] = split(a);
    const [eb, mb, lb] = split(b);
    let [index, order] = firstDifference(ea, eb);
    if (order) {
      return [order, 'major'];
    }
    [index, order] = firstDifference(ma, mb);
    if (order) {
      const cx = ma[index] ?? [ZERO];
      const cy = mb[index] ?? [ZERO];
      const level = numbers(cx) === numbers(cy) ? index + 1 : index;
      return [order, level === 0 ? 'major' : level === 1 ? 'minor' : 'patch'];
    }
    [index, order] = firstDifference(la, lb);
    return order ? [order, 'local'] : [0, 'same'];
  }
}
