/**
 * Building the DOM of nbrepro's panels. Everything they show comes from
 * notebook metadata, which anyone can edit: content is always set as text,
 * never parsed as HTML.
 */
export function el(
  tag: string,
  className?: string,
  content?: string
): HTMLElement {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (content !== undefined) {
    node.textContent = content;
  }
  return node;
}

/**
 * A column header cell, for screen readers too.
 */
export function headerCell(label: string): HTMLElement {
  const th = el('th', undefined, label);
  th.setAttribute('scope', 'col');
  return th;
}

/**
 * A cell whose value never breaks inside a word: it is cut with an ellipsis
 * when the column is narrow, and the whole value shows on hover.
 */
export function clipped(value: string): HTMLElement {
  const td = el('td', 'jp-nbrepro-clip', value);
  td.title = value;
  return td;
}

/**
 * A cell whose value is shown whole, on one line (names, versions): the
 * column grows to fit it, and the table scrolls sideways if it must.
 */
export function whole(value: string): HTMLElement {
  return el('td', 'jp-nbrepro-whole', value);
}
