/**
 * An array filter from the query string, in every encoding the official SDKs send. WorkOS's spec
 * declares these `style: form, explode: false` (a comma list: `domains=a.com,b.com`, what the Node
 * SDK sends); Python 4.x and Ruby send repeated keys (`domains=a.com&domains=b.com`), Go
 * `domains[]=a.com` and PHP `domains[0]=a.com`. All four forms, mixed or not, give the same list.
 */
export function readQueryList(query: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of query) {
    if (key === name || key === `${name}[]` || isIndexedKey(key, name)) values.push(...value.split(','));
  }
  return values.filter(Boolean);
}

function isIndexedKey(key: string, name: string): boolean {
  return key.startsWith(`${name}[`) && key.endsWith(']') && /^\d+$/.test(key.slice(name.length + 1, -1));
}
