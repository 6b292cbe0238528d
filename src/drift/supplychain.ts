/**
 * Names one or two edits away from a widely used package (possible
 * typosquats): the rule of python/nbrepro/drift/supply_chain.py, over the same
 * list, src/data/popular-packages.json (see src/data/README.md).
 */
import popularData from '../data/popular-packages.json';

interface IPopular {
  names: Set<string>;
  /**
   * By length, in list order: [name, letters mask, other characters mask].
   */
  byLength: Map<number, [string, number, number][]>;
}

let popular: IPopular | null = null;

function index(): IPopular {
  if (!popular) {
    const names = (popularData as { names: string[] }).names;
    const byLength = new Map<number, [string, number, number][]>();
    for (const name of names) {
      const [letters, others] = charMask(name);
      const bucket = byLength.get(name.length) ?? [];
      bucket.push([name, letters, others]);
      byLength.set(name.length, bucket);
    }
    popular = { names: new Set(names), byLength };
  }
  return popular;
}

/**
 * One bit per character present, in two 32-bit numbers: a-z, then 0-9, '-'
 * and anything else (Python keeps the same bits in one integer).
 */
function charMask(name: string): [number, number] {
  let letters = 0;
  let others = 0;
  for (const char of name) {
    if (char >= 'a' && char <= 'z') {
      letters |= 1 << (char.charCodeAt(0) - 97);
    } else if (char >= '0' && char <= '9') {
      others |= 1 << (char.charCodeAt(0) - 48);
    } else {
      others |= 1 << (char === '-' ? 10 : 11);
    }
  }
  return [letters, others];
}

function bitCount(value: number): number {
  let count = 0;
  for (let rest = value >>> 0; rest; rest &= rest - 1) {
    count++;
  }
  return count;
}

export function allowedEdits(name: string): number {
  if (name.length < 4) {
    return 0;
  }
  return name.length < 8 ? 1 : 2;
}

/**
 * [popular name, edits] of the listed name closest to `name` (a PEP 503
 * name): fewest edits, then the shorter, then the earlier in the list; null
 * when there is none or `name` is itself listed.
 */
export function nearPopular(name: string): [string, number] | null {
  const { names, byLength } = index();
  const limit = allowedEdits(name);
  if (limit === 0 || names.has(name)) {
    return null;
  }
  const [letters, others] = charMask(name);
  let best: [string, number] | null = null;
  for (
    let length = name.length - limit;
    length <= name.length + limit;
    length++
  ) {
    for (const [candidate, cLetters, cOthers] of byLength.get(length) ?? []) {
      // A character one name has and the other lacks costs an edit at least.
      if (
        bitCount(letters & ~cLetters) + bitCount(others & ~cOthers) > limit ||
        bitCount(cLetters & ~letters) + bitCount(cOthers & ~others) > limit
      ) {
        continue;
      }
      const count = edits(name, candidate, limit);
      if (count <= limit && (best === null || count < best[1])) {
        best = [candidate, count];
        if (count === 1) {
          return best;
        }
      }
    }
  }
  return best;
}

/**
 * Optimal string alignment distance of a and b, or limit + 1 when larger;
 * branches at the first difference.
 */
export function edits(a: string, b: string, limit: number): number {
  if (a === b) {
    return 0;
  }
  if (limit <= 0 || Math.abs(a.length - b.length) > limit) {
    return limit + 1;
  }
  let start = 0;
  const shorter = Math.min(a.length, b.length);
  while (start < shorter && a[start] === b[start]) {
    start++;
  }
  a = a.slice(start);
  b = b.slice(start);
  const options: [string, string][] = a ? [[a.slice(1), b]] : [];
  if (b) {
    options.push([a, b.slice(1)]);
    if (a) {
      options.push([a.slice(1), b.slice(1)]);
      if (a.length > 1 && b.length > 1 && a[0] === b[1] && a[1] === b[0]) {
        options.push([a.slice(2), b.slice(2)]);
      }
    }
  }
  let best = limit + 1;
  for (const [restA, restB] of options) {
    best = Math.min(best, 1 + edits(restA, restB, limit - 1));
  }
  return best;
}
