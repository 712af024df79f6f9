import { memo, useMemo } from 'react';
import { ScrollRegion } from '../components/scroll-region';
import { Async, Empty } from '../components/states';
import { agentsWhoCanCall, searchMatches } from '../model';
import { href, type Route, setParams } from '../router';
import type { Agent, Area, CatalogEvent, Endpoint, List } from '../types';
import { useApi } from '../use-api';
import { CatalogReference } from './catalog-reference';

const NO_ENDPOINTS: Endpoint[] = [];
const FILTERS = ['area', 'method', 'access', 'permission', 'q'] as const;

/** Every WorkOS endpoint Bollard knows, grouped by area, with filters kept in the URL. */
export function CatalogPage({ route }: { route: Route }) {
  const endpoints = useApi<List<Endpoint>>('/catalog');
  const areas = useApi<List<Area>>('/catalog/areas');
  const agents = useApi<List<Agent>>('/agents');
  const events = useApi<List<CatalogEvent>>('/catalog/events');
  return (
    <>
      <h1>Catalog</h1>
      <p className="muted">
        Every WorkOS API method an agent can be granted, area by area: read or write. Select a row for its
        rate limits, webhook events, source, and which agents can call it today.
      </p>
      <Async state={endpoints} what="the catalog">
        {(list) => (
          <CatalogTable
            endpoints={list.data}
            areas={areas.data?.data ?? []}
            agents={agents.data?.data ?? []}
            params={route.params}
          />
        )}
      </Async>
      <CatalogReference
        endpoints={endpoints.data?.data ?? NO_ENDPOINTS}
        events={events.data}
        eventsError={events.error}
        reloadEvents={events.reload}
      />
    </>
  );
}

function CatalogTable({
  endpoints,
  areas,
  agents,
  params,
}: {
  endpoints: Endpoint[];
  areas: Area[];
  agents: Agent[];
  params: URLSearchParams;
}) {
  const filter = Object.fromEntries(FILTERS.map((key) => [key, params.get(key) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const shown = useMemo(
    () =>
      endpoints.filter(
        (e) =>
          (!filter.area || e.area === filter.area) &&
          (!filter.method || e.method === filter.method) &&
          (!filter.access || e.access === filter.access) &&
          (!filter.permission || e.permission === filter.permission) &&
          searchMatches(e, filter.q),
      ),
    [endpoints, filter.area, filter.method, filter.access, filter.permission, filter.q],
  );
  const shownIds = useMemo(() => new Set(shown.map((e) => e.id)), [shown]);
  // Every row is rendered once and only hidden by a filter: a filter change re-renders just the rows
  // whose visibility changed (EndpointRow is memoized), not the whole catalog.
  const allGroups = useMemo(() => groupByArea(endpoints), [endpoints]);
  const areaCount = useMemo(() => new Set(shown.map((e) => e.area)).size, [shown]);
  const areaNames = areas.length ? areas.map((a) => a.name) : [...new Set(endpoints.map((e) => e.area))];
  const permissions = areaNames.flatMap((area) => [`${area}:read`, `${area}:write`]);
  const selected = endpoints.find((e) => e.id === params.get('endpoint'));
  const title = (name: string) => areas.find((a) => a.name === name)?.title ?? name;

  return (
    <>
      <form className="filters" aria-label="Catalog filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search a path, template or words
          <input
            type="search"
            value={filter.q}
            placeholder="/organizations/org_01H…"
            onChange={(e) => setParams({ q: e.target.value })}
            size={32}
          />
        </label>
        <Select
          label="Area"
          value={filter.area}
          options={areaNames}
          onChange={(area) => setParams({ area })}
        />
        <Select
          label="Method"
          value={filter.method}
          options={['GET', 'POST', 'PUT', 'PATCH', 'DELETE']}
          onChange={(method) => setParams({ method })}
        />
        <Select
          label="Access"
          value={filter.access}
          options={['read', 'write']}
          onChange={(access) => setParams({ access })}
        />
        <Select
          label="Permission"
          value={filter.permission}
          options={permissions}
          onChange={(permission) => setParams({ permission })}
        />
        <button
          type="button"
          onClick={() => setParams({ area: '', method: '', access: '', permission: '', q: '' })}
        >
          Clear filters
        </button>
      </form>
      <p role="status" className="muted" data-testid="catalog-count">
        {shown.length} of {endpoints.length} endpoints in {areaCount} areas
      </p>
      <div className="split">
        <ScrollRegion label="Endpoints">
          {shown.length === 0 && (
            <Empty>No endpoint matches these filters. Clear a filter, or search a shorter path.</Empty>
          )}
          {
            <table hidden={shown.length === 0}>
              <caption className="visually-hidden">WorkOS endpoints by area</caption>
              <thead>
                <tr>
                  <th scope="col">Method</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col" className="hide-narrow">
                    What it does
                  </th>
                  <th scope="col">Access</th>
                  <th scope="col" className="hide-narrow">
                    Permission
                  </th>
                  <th scope="col" className="hide-narrow">
                    Version
                  </th>
                </tr>
              </thead>
              {allGroups.map(([area, rows]) => {
                const visible = rows.filter((e) => shownIds.has(e.id)).length;
                return (
                  <tbody key={area} hidden={visible === 0}>
                    <tr>
                      <th colSpan={6} scope="colgroup" className="group">
                        {title(area)} <span className="muted">· {visible}</span>
                      </th>
                    </tr>
                    {rows.map((e) => (
                      <EndpointRow
                        key={e.id}
                        endpoint={e}
                        hidden={!shownIds.has(e.id)}
                        selected={selected?.id === e.id}
                      />
                    ))}
                  </tbody>
                );
              })}
            </table>
          }
        </ScrollRegion>
        {selected ? (
          <EndpointDetail endpoint={selected} agents={agents} />
        ) : (
          <aside className="panel muted">Select an endpoint to see its detail.</aside>
        )}
      </div>
    </>
  );
}

function groupByArea(endpoints: readonly Endpoint[]): [string, Endpoint[]][] {
  const byArea = new Map<string, Endpoint[]>();
  for (const endpoint of endpoints)
    byArea.set(endpoint.area, [...(byArea.get(endpoint.area) ?? []), endpoint]);
  return [...byArea];
}

/** Opens a row's detail, keeping the filters of the moment in the URL. */
function openEndpoint(id: string): void {
  setParams({ endpoint: id });
}

const EndpointRow = memo(function EndpointRow({
  endpoint: e,
  hidden,
  selected,
}: {
  endpoint: Endpoint;
  hidden: boolean;
  selected: boolean;
}) {
  return (
    <tr
      hidden={hidden}
      className={`clickable${selected ? ' selected' : ''}`}
      onClick={() => openEndpoint(e.id)}
    >
      <td>
        <code>{e.method}</code>
      </td>
      <td className="path">
        <a
          href={href('/catalog', { endpoint: e.id })}
          aria-current={selected ? 'true' : undefined}
          onClick={(event) => {
            event.preventDefault();
            event.stopPropagation();
            openEndpoint(e.id);
          }}
        >
          <code>{e.path}</code>
        </a>
      </td>
      <td className="hide-narrow">{e.summary}</td>
      <td>
        <span className={`chip ${e.access === 'write' ? 'warn' : 'ok'}`}>{e.access}</span>
      </td>
      <td className="hide-narrow">
        <code>{e.permission}</code>
      </td>
      <td className="hide-narrow">{versionOf(e)}</td>
    </tr>
  );
});

/** "Available since the API's base version" reads as `base`; a date stays a date. */
function versionOf(e: Endpoint): string {
  const since = /base version/i.test(e.since) ? 'base' : e.since;
  return e.status === 'current' ? since : `${since}, ${e.status}`;
}

function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

function EndpointDetail({ endpoint: e, agents }: { endpoint: Endpoint; agents: Agent[] }) {
  const callers = agentsWhoCanCall(agents, e);
  return (
    <aside className="panel" aria-labelledby="endpoint-heading" data-testid="endpoint-detail">
      <h2 id="endpoint-heading">
        <code>
          {e.method} {e.path}
        </code>
      </h2>
      <p>{e.summary}</p>
      {e.description && <p className="muted">{e.description}</p>}
      <dl>
        <dt>Id</dt>
        <dd>
          <code>{e.id}</code>
        </dd>
        <dt>Acts on</dt>
        <dd>{e.actsOn ?? '—'}</dd>
        <dt>Permission</dt>
        <dd>
          <code>{e.permission}</code>
        </dd>
        <dt>Version</dt>
        <dd>
          {e.since}; {e.status}
          {e.replacedBy ? ` (use ${e.replacedBy})` : ''}
        </dd>
        <dt>Webhook events</dt>
        <dd>
          {e.webhookEvents.length
            ? e.webhookEvents.map((name) => (
                <code key={name} className="chip">
                  {name}
                </code>
              ))
            : 'none'}
        </dd>
        <dt>Rate limits</dt>
        <dd>
          <ul>
            <li>6,000 requests / 60 s per API key (every endpoint)</li>
            {e.rateLimits.map((rule) => (
              <li key={rule.id}>{rule.description}</li>
            ))}
          </ul>
        </dd>
        <dt>Flags</dt>
        <dd>
          {e.destructive && <span className="chip bad">destructive</span>}
          {e.responseSecrets.length > 0 && (
            <span className="chip warn">returns secrets: {e.responseSecrets.join(', ')}</span>
          )}
          {e.requestSecrets.length > 0 && (
            <span className="chip">takes secrets: {e.requestSecrets.join(', ')}</span>
          )}
          {!e.destructive && !e.responseSecrets.length && !e.requestSecrets.length && 'none'}
        </dd>
        <dt>Source</dt>
        <dd>
          <a href={e.source} rel="noreferrer noopener" target="_blank">
            WorkOS documentation
          </a>
        </dd>
        <dt>Can call it</dt>
        <dd data-testid="callers">
          {callers.length
            ? callers.map((agent) => (
                <a key={agent.id} className="chip" href={href(`/agents/${agent.name}`)}>
                  {agent.name}
                </a>
              ))
            : 'no agent today'}
        </dd>
      </dl>
    </aside>
  );
}
