import { ENDPOINTS } from './data/endpoints.js';
import { parseRawPath } from './parse-path.js';
import { isParamSegment, paramNames } from './template.js';
import { type CatalogEndpoint, HTTP_METHODS, type HttpMethod, type MatchResult } from './types.js';

/**
 * Resolves a concrete request to one catalog endpoint. One segment trie per method is built at module
 * load; a lookup walks it once per segment, preferring a literal child over the parameter child and
 * backtracking only when the literal branch dead-ends (`/organizations/external_id/{id}` beats
 * `/organizations/{id}/…`). No regular expression runs per template.
 */
interface TrieNode {
  literals: Map<string, TrieNode>;
  param: TrieNode | null;
  leaf: { endpoint: CatalogEndpoint; paramNames: string[] } | null;
}

function newNode(): TrieNode {
  return { literals: new Map(), param: null, leaf: null };
}

function childFor(node: TrieNode, segment: string): TrieNode {
  if (isParamSegment(segment)) {
    node.param ??= newNode();
    return node.param;
  }
  let child = node.literals.get(segment);
  if (!child) {
    child = newNode();
    node.literals.set(segment, child);
  }
  return child;
}

/** Builds the per-method tries; throws on two endpoints with one template (a catalog bug). */
export function buildTries(endpoints: readonly CatalogEndpoint[]): ReadonlyMap<HttpMethod, TrieNode> {
  const tries = new Map<HttpMethod, TrieNode>(HTTP_METHODS.map((method) => [method, newNode()]));
  for (const endpoint of endpoints) {
    let node = tries.get(endpoint.method) ?? newNode();
    for (const segment of endpoint.path.split('/').slice(1)) node = childFor(node, segment);
    if (node.leaf) throw new Error(`${endpoint.id} and ${node.leaf.endpoint.id} share a template`);
    node.leaf = { endpoint, paramNames: paramNames(endpoint.path) };
  }
  return tries;
}

const TRIES = buildTries(ENDPOINTS);

/**
 * Depth-first, literal child first. Recursion happens only at a node that has both a matching literal
 * child and a parameter child; everywhere else the loop just descends.
 */
function walk(start: TrieNode, segments: string[], from: number, values: string[]): TrieNode['leaf'] {
  let node = start;
  for (let index = from; index < segments.length; index++) {
    const segment = segments[index] as string;
    const literal = node.literals.get(segment);
    if (literal && node.param) {
      const mark = values.length;
      const found = walk(literal, segments, index + 1, values);
      if (found) return found;
      values.length = mark;
      values.push(segment);
      node = node.param;
    } else if (literal) {
      node = literal;
    } else if (node.param) {
      values.push(segment);
      node = node.param;
    } else {
      return null;
    }
  }
  return node.leaf;
}

/**
 * @param method the request method, exactly as sent (methods are case-sensitive, RFC 9110 §9.1)
 * @param rawPath the request path without its query string, still percent-encoded
 * @example match('DELETE', '/organizations/org_01H') // { kind: 'match', endpoint: organizations.delete, params: { id: 'org_01H' } }
 */
export function match(method: string, rawPath: string): MatchResult {
  const trie = TRIES.get(method as HttpMethod);
  if (!trie) return { kind: 'invalid', reason: `method ${JSON.stringify(method)} is not one WorkOS serves` };
  const parsed = parseRawPath(rawPath);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const values: string[] = [];
  const leaf = walk(trie, parsed.segments, 0, values);
  if (!leaf) return { kind: 'not_found' };
  const params: Record<string, string> = {};
  for (let i = 0; i < values.length; i++) params[leaf.paramNames[i] as string] = values[i] as string;
  return { kind: 'match', endpoint: leaf.endpoint, params };
}
