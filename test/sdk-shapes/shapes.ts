/**
 * The exact requests the official WorkOS SDKs send, as data, read from their sources. Each SDK's
 * request builder is described once (`Dialect`: where the key goes, default headers, how the query
 * and the body are encoded) with the file and version it comes from; each call (`Call`) names the
 * SDK method and its source file. `shapes()` expands them into wire shapes: method, path, raw query,
 * headers, body bytes. Placeholders in braces (`{secret}`, `{org}`, …) are filled at replay time:
 * `{secret}` with the WorkOS key when sent directly, with the agent's Bollard token through Bollard.
 */

/** One request exactly as an SDK puts it on the wire. */
export interface WireShape {
  /** `workos-python 4.16.0 workos/sso.py get_profile_and_token` */
  provenance: string;
  sdk: string;
  /** Row of the product description's 36 seed endpoints, or null (pagination, extra cases). */
  row: number | null;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Raw query string, encoding exactly as the SDK sends it (no leading `?`). */
  query: string;
  headers: Record<string, string>;
  /** Body bytes, or null for none. */
  body: string | null;
  /** Where the SDK puts the API key. */
  key: 'bearer' | 'client_secret' | 'both';
}

type Params = [string, string | string[]][];

/** One SDK method call, SDK-neutral: the dialect decides the bytes. */
interface Call {
  row: number | null;
  method: WireShape['method'];
  path: string;
  /** Filters; `list` adds the SDK's default paging parameters. */
  params?: Params;
  list?: boolean;
  /** JSON body fields in the SDK's order. */
  body?: Record<string, unknown>;
  /** The SDK sends `client_secret` (= its API key) in the body. */
  secretInBody?: boolean;
  /** Sent form-encoded (`/sso/token` in the Node and Go SDKs). */
  form?: boolean;
  /** Headers this call adds to the dialect's. */
  headers?: Record<string, string>;
  /** The paging parameters come before the filters (Python's directory listings). */
  pagingFirst?: boolean;
  /** The SDK's method and the file it lives in. */
  source: string;
}

/** How one SDK builds requests. */
interface Dialect {
  sdk: string;
  /** The file(s) holding the request builder. */
  client: string;
  headers(method: string, hasBody: boolean, form: boolean): Record<string, string>;
  /** Sends `Authorization: Bearer` on a call whose body carries `client_secret`. */
  bearerWithClientSecret: boolean | ((call: Call) => boolean);
  query(params: Params, list: boolean, pagingFirst: boolean): string;
  json(body: Record<string, unknown>): string;
  form(body: Record<string, unknown>): string;
  /** Body bytes of a POST/PUT/DELETE without fields. */
  emptyBody(method: string): string | null;
}

const NODE_IDEMPOTENCY_KEY = 'retry-6f1c2a1e-3b0d-4c55-9d0e-2f4b8a7c1d90';

/** RFC 3986 unreserved-only percent encoding, as Python's urlencode and PHP's http_build_query do (space as `+`). */
function formEncode(value: string, keep: RegExp): string {
  let out = '';
  for (const char of value) {
    if (char === ' ') out += '+';
    else if (keep.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
const PY_SAFE = /[A-Za-z0-9_.~-]/; // urllib.parse.quote_plus
const GO_SAFE = /[A-Za-z0-9_.~-]/; // url.QueryEscape
const PHP_SAFE = /[A-Za-z0-9_.-]/; // urlencode (RFC 1738: `~` encoded)
const RUBY_SAFE = /[A-Za-z0-9_.*-]/; // URI.encode_www_form_component

function pairs(params: Params, key: (name: string, index: number) => string, safe: RegExp): string[] {
  const out: string[] = [];
  for (const [name, value] of params) {
    if (!Array.isArray(value)) out.push(`${formEncode(name, safe)}=${formEncode(value, safe)}`);
    else
      for (const [index, item] of value.entries())
        out.push(`${formEncode(key(name, index), safe)}=${formEncode(item, safe)}`);
  }
  return out;
}

/** workos-node 11.0.0 (`lib/factory-BbGPjwhL.mjs`: `FetchHttpClient`, `getQueryString`, `setDefaultOptions`). */
const NODE: Dialect = {
  sdk: 'workos-node 11.0.0',
  client: 'lib/factory-BbGPjwhL.mjs FetchHttpClient.fetchRequest',
  headers: (method, _hasBody, form) => ({
    accept: 'application/json, text/plain, */*',
    'content-type': form ? 'application/x-www-form-urlencoded;charset=utf-8' : 'application/json',
    'user-agent': 'workos-node/11.0.0/fetch',
    // withIdempotencyKey: every POST when retries are on (the default).
    ...(method === 'POST' ? { 'idempotency-key': NODE_IDEMPOTENCY_KEY } : {}),
  }),
  bearerWithClientSecret: true,
  // URLSearchParams of the options; arrays comma-joined; `order=desc` added last when not given.
  query: (params, list) =>
    new URLSearchParams([
      ...params.map(([k, v]): [string, string] => [k, Array.isArray(v) ? v.join(',') : v]),
      ...(list ? [['order', 'desc'] as [string, string]] : []),
    ]).toString(),
  json: (body) => JSON.stringify(body),
  form: (body) => new URLSearchParams(body as Record<string, string>).toString(),
  // fetchRequest: POST/PUT/PATCH without a body send "".
  emptyBody: (method) => (method === 'POST' || method === 'PUT' ? '' : null),
};

/** workos-python 4.16.0 (`workos/utils/request.py`: `requests` with `params=` on GET, `json=` otherwise). */
const PYTHON: Dialect = {
  sdk: 'workos-python 4.16.0',
  client: 'workos/utils/request.py RequestHelper.request',
  headers: (method, hasBody) => ({
    'user-agent': 'WorkOS Python/3.11.2 Python SDK/4.16.0',
    'accept-encoding': 'gzip, deflate',
    accept: '*/*',
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    // requests: a bodiless non-GET request says Content-Length: 0.
    ...(!hasBody && method !== 'GET' ? { 'content-length': '0' } : {}),
  }),
  bearerWithClientSecret: false,
  // urlencode(doseq=True): a list becomes repeated keys; None dropped; RESPONSE_LIMIT = 10.
  query: (params, list, pagingFirst) => {
    const paging: Params = list
      ? [
          ['limit', '10'],
          ['order', 'desc'],
        ]
      : [];
    return pairs(pagingFirst ? [...paging, ...params] : [...params, ...paging], (n) => n, PY_SAFE).join('&');
  },
  json: (body) => pythonJson(body),
  form: () => {
    throw new Error('workos-python 4.x sends no forms');
  },
  emptyBody: () => null,
};

/** `json.dumps` with its default separators (`", "` and `": "`). */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, field]) => `${JSON.stringify(key)}: ${pythonJson(field)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

/** workos-go v6.5.0 (`net/http`; `github.com/google/go-querystring` with `url:"…,brackets"` on lists). */
const GO: Dialect = {
  sdk: 'workos-go v6.5.0',
  client: 'pkg/*/client.go (http.NewRequest, query.Values(opts).Encode())',
  headers: (_method, _hasBody, form) => ({
    'user-agent': 'workos-go/v6.5.0',
    'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
    'accept-encoding': 'gzip',
  }),
  bearerWithClientSecret: false,
  // url.Values.Encode sorts by key; `domains[]` for `brackets`; ResponseLimit = 10, Order defaults to desc.
  query: (params, list) =>
    pairs(
      [
        ...params,
        ...(list
          ? ([
              ['limit', '10'],
              ['order', 'desc'],
            ] as Params)
          : []),
      ],
      (n) => `${n}[]`,
      GO_SAFE,
    )
      .sort()
      .join('&'),
  json: (body) => JSON.stringify(body),
  form: (body) =>
    pairs(Object.entries(body) as Params, (n) => n, GO_SAFE)
      .sort()
      .join('&'),
  emptyBody: () => null,
};

/** workos-ruby v6.2.0 (`lib/workos/client.rb`: `Net::HTTP`, `URI.encode_www_form`, `body.to_json`). */
const RUBY: Dialect = {
  sdk: 'workos-ruby v6.2.0',
  client: 'lib/workos/client.rb get_request/post_request/delete_request',
  headers: () => ({
    'content-type': 'application/json',
    'user-agent': 'WorkOS; ruby/3.3.0; x86_64-linux; v6.2.0',
    'accept-encoding': 'gzip;q=1.0,deflate;q=0.6,identity;q=0.3',
    accept: '*/*',
  }),
  bearerWithClientSecret: false,
  // options[:order] ||= 'desc' appends order; arrays become repeated keys.
  query: (params, list) =>
    pairs([...params, ...(list ? ([['order', 'desc']] as Params) : [])], (n) => n, RUBY_SAFE).join('&'),
  json: (body) => JSON.stringify(body),
  form: () => {
    throw new Error('workos-ruby sends no forms');
  },
  emptyBody: () => null,
};

/** workos-php 4.29.0 (`lib/Client.php`, `lib/RequestClient/CurlRequestClient.php`: curl, `http_build_query`, `json_encode`). */
const PHP: Dialect = {
  sdk: 'workos-php 4.29.0',
  client: 'lib/RequestClient/CurlRequestClient.php request',
  headers: (method) => ({
    'user-agent': 'WorkOS PHP/4.29.0',
    accept: '*/*',
    ...(method === 'POST' || method === 'PUT' ? { 'content-type': 'application/json' } : {}),
  }),
  // UserManagement::authenticateWithPassword passes withAuth = true; SSO::getProfileAndToken does not.
  bearerWithClientSecret: (call) => call.path === '/user_management/authenticate',
  // http_build_query: `domains[0]=…` (brackets encoded); null values dropped; DEFAULT_PAGE_SIZE = 10 first.
  query: (params, list) =>
    pairs([...(list ? ([['limit', '10']] as Params) : []), ...params], (n, i) => `${n}[${i}]`, PHP_SAFE).join(
      '&',
    ),
  // json_encode escapes `/` as `\/`.
  json: (body) => JSON.stringify(body).replace(/\//g, '\\/'),
  form: () => {
    throw new Error('workos-php sends no forms');
  },
  emptyBody: () => null,
};

const AUTHENTICATE = '/user_management/authenticate';
const PASSWORD = { email: 'grace@acme.test', password: 'demo-password-1' };

/** workos-node 11.0.0: every seed row its SDK calls (row 20 is a browser redirect the SDK only builds). */
const NODE_CALLS: Call[] = [
  {
    row: 1,
    method: 'POST',
    path: '/user_management/users',
    body: { email: 'new-user@example.com', password: 'correct horse battery staple 9' },
    source: 'userManagement.createUser',
  },
  { row: 2, method: 'GET', path: '/user_management/users/{user}', source: 'userManagement.getUser' },
  {
    row: 3,
    method: 'GET',
    path: '/user_management/users',
    params: [['limit', '5']],
    list: true,
    source: 'userManagement.listUsers',
  },
  {
    row: 4,
    method: 'PUT',
    path: '/user_management/users/{user}',
    body: { first_name: 'Renamed' },
    source: 'userManagement.updateUser',
  },
  { row: 5, method: 'DELETE', path: '/user_management/users/{user}', source: 'userManagement.deleteUser' },
  {
    row: 6,
    method: 'POST',
    path: AUTHENTICATE,
    body: { grant_type: 'password', client_id: '{client}', client_secret: '{secret}', ...PASSWORD },
    secretInBody: true,
    source: 'userManagement.authenticateWithPassword',
  },
  {
    row: 7,
    method: 'POST',
    path: '/user_management/magic_auth',
    body: { email: 'magic@example.com' },
    source: 'userManagement.createMagicAuth',
  },
  {
    row: 8,
    method: 'GET',
    path: '/user_management/magic_auth/{magic}',
    source: 'userManagement.getMagicAuth',
  },
  {
    row: 9,
    method: 'POST',
    path: '/auth/factors/enroll',
    body: { type: 'totp', totp_issuer: 'Bollard', totp_user: 'someone@example.com' },
    source: 'multiFactorAuth.enrollFactor',
  },
  {
    row: 10,
    method: 'POST',
    path: '/auth/factors/{factor}/challenge',
    body: {},
    source: 'multiFactorAuth.challengeFactor',
  },
  {
    row: 11,
    method: 'POST',
    path: '/auth/challenges/{challenge}/verify',
    body: { code: '000000' },
    source: 'multiFactorAuth.verifyChallenge',
  },
  {
    row: 12,
    method: 'POST',
    path: '/organizations',
    body: { name: 'Initech' },
    source: 'organizations.createOrganization',
  },
  { row: 13, method: 'GET', path: '/organizations/{org}', source: 'organizations.getOrganization' },
  {
    row: 14,
    method: 'GET',
    path: '/organizations',
    params: [['domains', ['acme.test', 'globex.test']]],
    list: true,
    source: 'organizations.listOrganizations',
  },
  {
    row: 15,
    method: 'PUT',
    path: '/organizations/{org}',
    body: { name: 'Acme Renamed' },
    source: 'organizations.updateOrganization',
  },
  { row: 16, method: 'DELETE', path: '/organizations/{org}', source: 'organizations.deleteOrganization' },
  {
    row: 17,
    method: 'POST',
    path: '/organization_domains',
    body: { domain: 'new.acme.test', organization_id: '{org}' },
    source: 'organizationDomains.createOrganizationDomain',
  },
  {
    row: 18,
    method: 'GET',
    path: '/organization_domains/{domain}',
    source: 'organizationDomains.getOrganizationDomain',
  },
  {
    row: 19,
    method: 'POST',
    path: '/organization_domains/{domain}/verify',
    body: {},
    source: 'organizationDomains.verifyOrganizationDomain',
  },
  {
    row: 21,
    method: 'POST',
    path: '/sso/token',
    body: {
      client_id: '{client}',
      grant_type: 'authorization_code',
      code: '{code}',
      client_secret: '{secret}',
    },
    secretInBody: true,
    form: true,
    source: 'sso.getProfileAndToken',
  },
  { row: 22, method: 'GET', path: '/connections', list: true, source: 'sso.listConnections' },
  { row: 23, method: 'GET', path: '/connections/{conn}', source: 'sso.getConnection' },
  { row: 24, method: 'DELETE', path: '/connections/{conn}', source: 'sso.deleteConnection' },
  { row: 25, method: 'GET', path: '/directories', list: true, source: 'directorySync.listDirectories' },
  { row: 26, method: 'GET', path: '/directories/{dir}', source: 'directorySync.getDirectory' },
  { row: 27, method: 'DELETE', path: '/directories/{dir}', source: 'directorySync.deleteDirectory' },
  {
    row: 28,
    method: 'GET',
    path: '/directory_users',
    params: [['directory', '{dir}']],
    list: true,
    source: 'directorySync.listUsers',
  },
  { row: 29, method: 'GET', path: '/directory_users/{dir_user}', source: 'directorySync.getUser' },
  {
    row: 30,
    method: 'GET',
    path: '/directory_groups',
    params: [['directory', '{dir}']],
    list: true,
    source: 'directorySync.listGroups',
  },
  { row: 31, method: 'GET', path: '/directory_groups/{dir_group}', source: 'directorySync.getGroup' },
  {
    row: 32,
    method: 'POST',
    path: '/audit_logs/events',
    body: {
      organization_id: '{org}',
      event: {
        action: 'user.signed_in',
        occurred_at: '2026-12-01T00:00:00.000Z',
        actor: { type: 'user', id: 'user_1' },
        targets: [{ type: 'team', id: 'team_1' }],
        context: { location: '127.0.0.1' },
      },
    },
    source: 'auditLogs.createEvent',
  },
  {
    row: 33,
    method: 'POST',
    path: '/audit_logs/exports',
    body: {
      organization_id: '{org}',
      range_start: '2026-11-30T00:00:00.000Z',
      range_end: '2026-12-01T00:00:00.000Z',
    },
    source: 'auditLogs.createExport',
  },
  { row: 34, method: 'GET', path: '/audit_logs/exports/{export}', source: 'auditLogs.getExport' },
  { row: 35, method: 'GET', path: '/authorization/roles', source: 'authorization.listEnvironmentRoles' },
  {
    row: 36,
    method: 'GET',
    path: '/authorization/organizations/{org}/roles',
    source: 'authorization.listOrganizationRoles',
  },
];

/** The organization calls of an SDK: list with a domains filter, get, delete; `names` are its method names. */
function organizationCalls(file: string, names: { list: string; get: string; delete: string }): Call[] {
  return [
    {
      row: 14,
      method: 'GET',
      path: '/organizations',
      params: [['domains', ['acme.test', 'globex.test']]],
      list: true,
      source: `${file} ${names.list}`,
    },
    { row: 13, method: 'GET', path: '/organizations/{org}', source: `${file} ${names.get}` },
    { row: 16, method: 'DELETE', path: '/organizations/{org}', source: `${file} ${names.delete}` },
  ];
}

/** `create_organization` with a name only, and `list_users` of a directory, as the snake_case SDKs name them. */
function createAndListCalls(
  organizations: string,
  directorySync: string,
  options: { pagingFirst: boolean },
): Call[] {
  return [
    {
      row: 12,
      method: 'POST',
      path: '/organizations',
      body: { name: 'Initech' },
      source: `${organizations} create_organization`,
    },
    {
      row: 28,
      method: 'GET',
      path: '/directory_users',
      params: [['directory', '{dir}']],
      list: true,
      pagingFirst: options.pagingFirst,
      source: `${directorySync} list_users`,
    },
  ];
}

const SNAKE_CASE_NAMES = {
  list: 'list_organizations',
  get: 'get_organization',
  delete: 'delete_organization',
};

/** workos-python 4.16.0. */
const PYTHON_CALLS: Call[] = [
  {
    row: 6,
    method: 'POST',
    path: AUTHENTICATE,
    body: { client_id: '{client}', client_secret: '{secret}', ...PASSWORD, grant_type: 'password' },
    secretInBody: true,
    source: 'workos/user_management.py authenticate_with_password',
  },
  {
    row: 21,
    method: 'POST',
    path: '/sso/token',
    body: {
      client_id: '{client}',
      client_secret: '{secret}',
      code: '{code}',
      grant_type: 'authorization_code',
    },
    secretInBody: true,
    source: 'workos/sso.py get_profile_and_token',
  },
  {
    row: 3,
    method: 'GET',
    path: '/user_management/users',
    params: [['email', 'grace@acme.test']],
    list: true,
    source: 'workos/user_management.py list_users',
  },
  ...organizationCalls('workos/organizations.py', SNAKE_CASE_NAMES),
  ...createAndListCalls('workos/organizations.py', 'workos/directory_sync.py', { pagingFirst: true }),
];

/** workos-go v6.5.0. */
const GO_CALLS: Call[] = [
  {
    row: 6,
    method: 'POST',
    path: AUTHENTICATE,
    // The options struct's fields first (omitempty drops ip_address/user_agent), then the embedding ones.
    body: { client_id: '{client}', ...PASSWORD, client_secret: '{secret}', grant_type: 'password' },
    secretInBody: true,
    source: 'pkg/usermanagement/client.go AuthenticateWithPassword',
  },
  {
    row: 21,
    method: 'POST',
    path: '/sso/token',
    body: {
      client_id: '{client}',
      client_secret: '{secret}',
      grant_type: 'authorization_code',
      code: '{code}',
    },
    secretInBody: true,
    form: true,
    source: 'pkg/sso/client.go GetProfileAndToken',
  },
  {
    row: 3,
    method: 'GET',
    path: '/user_management/users',
    params: [['email', 'grace@acme.test']],
    list: true,
    source: 'pkg/usermanagement/client.go ListUsers',
  },
  ...organizationCalls('pkg/organizations/client.go', {
    list: 'ListOrganizations',
    get: 'GetOrganization',
    delete: 'DeleteOrganization',
  }),
  {
    row: 12,
    method: 'POST',
    path: '/organizations',
    // Every field without omitempty is sent, zero values included; Idempotency-Key is set even when empty.
    body: {
      name: 'Initech',
      allow_profiles_outside_organization: false,
      domains: null,
      domain_data: [{ domain: 'initech.test', state: 'pending' }],
    },
    headers: { 'idempotency-key': '' },
    source: 'pkg/organizations/client.go CreateOrganization',
  },
];

/** workos-ruby v6.2.0. */
const RUBY_CALLS: Call[] = [
  {
    row: 6,
    method: 'POST',
    path: AUTHENTICATE,
    // nil keyword arguments are serialized as null.
    body: {
      client_id: '{client}',
      client_secret: '{secret}',
      ...PASSWORD,
      ip_address: null,
      user_agent: null,
      invitation_token: null,
      grant_type: 'password',
    },
    secretInBody: true,
    source: 'lib/workos/user_management.rb authenticate_with_password',
  },
  {
    row: 21,
    method: 'POST',
    path: '/sso/token',
    body: {
      client_id: '{client}',
      client_secret: '{secret}',
      grant_type: 'authorization_code',
      code: '{code}',
    },
    secretInBody: true,
    source: 'lib/workos/sso.rb profile_and_token',
  },
  ...organizationCalls('lib/workos/organizations.rb', SNAKE_CASE_NAMES),
  ...createAndListCalls('lib/workos/organizations.rb', 'lib/workos/directory_sync.rb', {
    pagingFirst: false,
  }),
];

/** workos-php 4.29.0. */
const PHP_CALLS: Call[] = [
  {
    row: 6,
    method: 'POST',
    path: AUTHENTICATE,
    body: {
      client_id: '{client}',
      ...PASSWORD,
      ip_address: null,
      user_agent: null,
      grant_type: 'password',
      client_secret: '{secret}',
    },
    secretInBody: true,
    source: 'lib/UserManagement.php authenticateWithPassword',
  },
  {
    row: 21,
    method: 'POST',
    path: '/sso/token',
    body: {
      client_id: '{client}',
      client_secret: '{secret}',
      code: '{code}',
      grant_type: 'authorization_code',
    },
    secretInBody: true,
    source: 'lib/SSO.php getProfileAndToken',
  },
  {
    row: 14,
    method: 'GET',
    path: '/organizations',
    params: [['domains', ['acme.test', 'globex.test']]],
    list: true,
    source: 'lib/Organizations.php listOrganizations',
  },
  {
    row: 12,
    method: 'POST',
    path: '/organizations',
    body: { name: 'Initech/Labs' },
    source: 'lib/Organizations.php createOrganization',
  },
];

function expand(dialect: Dialect, call: Call): WireShape {
  const hasFields = call.body !== undefined;
  const body = hasFields
    ? call.form
      ? dialect.form(call.body!)
      : dialect.json(call.body!)
    : call.method === 'GET'
      ? null
      : dialect.emptyBody(call.method);
  const bearer =
    !call.secretInBody ||
    (typeof dialect.bearerWithClientSecret === 'function'
      ? dialect.bearerWithClientSecret(call)
      : dialect.bearerWithClientSecret);
  const headers = { ...dialect.headers(call.method, body !== null, call.form ?? false), ...call.headers };
  if (bearer) headers.authorization = 'Bearer {secret}';
  return {
    provenance: `${dialect.sdk} ${call.source} via ${dialect.client}`,
    sdk: dialect.sdk,
    row: call.row,
    method: call.method,
    path: call.path,
    query:
      call.params || call.list
        ? dialect.query(call.params ?? [], call.list ?? false, call.pagingFirst ?? false)
        : '',
    headers,
    body,
    key: call.secretInBody ? (bearer ? 'both' : 'client_secret') : 'bearer',
  };
}

/** Every shape: each SDK's calls in its own dialect. */
export function shapes(): WireShape[] {
  const table: [Dialect, Call[]][] = [
    [NODE, NODE_CALLS],
    [PYTHON, PYTHON_CALLS],
    [GO, GO_CALLS],
    [RUBY, RUBY_CALLS],
    [PHP, PHP_CALLS],
  ];
  return table.flatMap(([dialect, calls]) => calls.map((call) => expand(dialect, call)));
}

/** The three-page walk each SDK makes with `limit=1` over the organizations list. */
export function paginationShapes(): { dialect: string; first: WireShape; next(after: string): WireShape }[] {
  return [NODE, PYTHON, GO, RUBY, PHP].map((dialect) => {
    const call = (after?: string): WireShape =>
      expand(dialect, {
        row: 14,
        method: 'GET',
        path: '/organizations',
        // limit=1 over three organizations: three pages, the last with after = null.
        params: [['limit', '1'], ['order', 'desc'], ...(after ? ([['after', after]] as Params) : [])],
        source: 'list organizations, following list_metadata.after',
      });
    return { dialect: dialect.sdk, first: call(), next: call };
  });
}
