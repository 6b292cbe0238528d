/**
 * Small words the model needs: how a problem names a JSON type, a value cut
 * short. The twin of python/nbrepro/record/words.py.
 */

/**
 * How a problem names the type of a JSON value.
 */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'boolean') {
    return 'a boolean';
  }
  if (typeof value === 'number') {
    return 'a number';
  }
  if (typeof value === 'string') {
    return 'a string';
  }
  return Array.isArray(value) ? 'a list' : 'an object';
}

/** A name or value quoted in a problem, cut to a readable length. */
export function short(text: string, limit = 60): string {
  return text.length <= limit ? text : text.slice(0, limit - 3) + '...';
}
