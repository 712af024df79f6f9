import { type Document, isMap, isNode, isPair, isScalar, type LineCounter, type Node } from 'yaml';

export type PathKey = string | number;

/** A 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

function positionOf(node: Node | null | undefined, lines: LineCounter): Position | null {
  const offset = node?.range?.[0];
  if (offset === undefined) return null;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** The key node of `key` inside the map at `path`: where an unknown key is written. */
function keyNode(doc: Document, path: readonly PathKey[], key: string): Node | null {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(parent)) return null;
  const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
  return pair && isNode(pair.key) ? pair.key : null;
}

/**
 * Where the value at `path` is written, or the nearest enclosing node that exists (a missing
 * required field points at its object). `key` points at an unknown key's name instead.
 */
export function locate(doc: Document, lines: LineCounter, path: readonly PathKey[], key?: string): Position {
  if (key !== undefined) {
    const found = positionOf(keyNode(doc, path, key), lines);
    if (found) return found;
  }
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const node = depth === 0 ? doc.contents : doc.getIn(prefix, true);
    const found = isNode(node) ? positionOf(node, lines) : null;
    if (found) return found;
  }
  return { line: 1, column: 1 };
}
