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

/**
 * A table with its caption (said by screen readers, shown small) and column
 * headers.
 */
export function captionedTable(
  className: string,
  caption: string,
  headers: string[]
): HTMLTableElement {
  const table = el('table', className) as HTMLTableElement;
  table.appendChild(el('caption', 'jp-nbrepro-caption', caption));
  if (headers.length > 0) {
    const head = el('tr');
    for (const label of headers) {
      head.appendChild(headerCell(label));
    }
    table.appendChild(head);
  }
  return table;
}

/**
 * A long name or value that may wrap only at its own separators (- _ . / :
 * @ and spaces, or those `after` matches), never inside a word part.
 */
export function breakable(
  text: string,
  after = /(?<=[-_./:@])/
): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const part of text.split(after)) {
    if (fragment.childNodes.length > 0) {
      fragment.appendChild(document.createElement('wbr'));
    }
    fragment.appendChild(document.createTextNode(part));
  }
  return fragment;
}

/**
 * A cell with a long value that wraps at its separators.
 */
export function wrapping(value: string, className = ''): HTMLElement {
  const td = el('td', ('jp-nbrepro-wrap ' + className).trim());
  td.appendChild(breakable(value));
  return td;
}
