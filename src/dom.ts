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
