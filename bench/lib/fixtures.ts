/** What the benchmark sends and what the fixed upstream answers: shaped like WorkOS organizations. */

/** One organization object, as WorkOS returns it. */
function organization(i: number): Record<string, unknown> {
  return {
    object: 'organization',
    id: `org_01HBENCH${String(i).padStart(17, '0')}`,
    name: `Bench Org ${i}`,
    allow_profiles_outside_organization: false,
    domains: [],
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
  };
}

/** Pads a list response to about `bytes` bytes by adding organizations. */
function listOfAbout(bytes: number): string {
  const data: Array<Record<string, unknown>> = [];
  let body = '';
  for (let i = 0; body.length < bytes; i++) {
    data.push(organization(i));
    body = JSON.stringify({ object: 'list', data, list_metadata: { before: null, after: null } });
  }
  return body;
}

/** `GET /organizations`: about 1 KB of JSON. */
export const LIST_BODY = listOfAbout(1024);
/** `POST /organizations` → 201 with the created organization. */
export const CREATED_BODY = JSON.stringify(organization(1));
/** The request body of the write. */
export const CREATE_REQUEST = JSON.stringify({ name: 'Bench Org', domain_data: [] });

/** The MCP form of the read: one JSON-RPC `tools/call` of the list endpoint (stateless, no initialize needed). */
export const MCP_LIST_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'organizations_list', arguments: {} },
});
