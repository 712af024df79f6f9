import { memo } from 'react';
import { ScrollRegion } from '../components/scroll-region';
import { Async } from '../components/states';
import type { CatalogEvent, Endpoint, List, RateLimitRule } from '../types';
import type { Loaded } from '../use-api';

/** WorkOS's reference around the endpoints: webhook events, rate limits, pagination, errors, versioning. */
export const CatalogReference = memo(function CatalogReference({
  endpoints,
  events: eventsList,
  eventsError,
  reloadEvents,
}: {
  endpoints: Endpoint[];
  events: List<CatalogEvent> | undefined;
  eventsError: unknown;
  reloadEvents: () => void;
}) {
  // Memoized with plain props: a catalog filter change (a URL change) does not re-render this part.
  const events: Loaded<List<CatalogEvent>> = {
    data: eventsList,
    error: eventsError,
    loading: !eventsList && !eventsError,
    reload: reloadEvents,
  };
  const rules = new Map<string, { rule: RateLimitRule; endpoints: string[] }>();
  for (const endpoint of endpoints) {
    for (const rule of endpoint.rateLimits) {
      const entry = rules.get(rule.id) ?? { rule, endpoints: [] };
      entry.endpoints.push(`${endpoint.method} ${endpoint.path}`);
      rules.set(rule.id, entry);
    }
  }
  return (
    <>
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Webhook events</h2>
        <Async state={events} what="webhook events">
          {(list) => (
            <ScrollRegion label="Webhook events">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">What it signals</th>
                    <th scope="col">Triggered by</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((event) => (
                    <tr key={event.name}>
                      <td>
                        <code>{event.name}</code>
                      </td>
                      <td>{event.summary}</td>
                      <td>
                        <code>{event.trigger}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </Async>
      </section>
      <section aria-labelledby="limits-heading">
        <h2 id="limits-heading">Rate limits</h2>
        <p>
          Every call counts against WorkOS's <strong>6,000 requests per 60 seconds per API key</strong>. Some
          endpoints have tighter limits on top; Bollard holds calls back (or answers 429 with{' '}
          <code>Retry-After</code>) before WorkOS would refuse them.
        </p>
        <ScrollRegion label="Rate limits">
          <table>
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col">In WorkOS's words</th>
                <th scope="col">Endpoints</th>
              </tr>
            </thead>
            <tbody>
              {[...rules.values()].map(({ rule, endpoints: paths }) => (
                <tr key={rule.id}>
                  <td>
                    <code>{rule.id}</code>
                  </td>
                  <td>{rule.description}</td>
                  <td>{paths.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      </section>
      <section aria-labelledby="pagination-heading">
        <h2 id="pagination-heading">Pagination</h2>
        <p>
          List endpoints take <code>limit</code> (1–100, default 10), <code>before</code>, <code>after</code>{' '}
          and <code>order</code> (<code>desc</code> by default) and answer{' '}
          <code>{'{ data, list_metadata: { before, after } }'}</code>. Follow <code>list_metadata.after</code>{' '}
          until it is null; the SDK's <code>autoPagination()</code> does, about three pages a second, and
          every page counts against the rate limits.
        </p>
      </section>
      <section aria-labelledby="errors-heading">
        <h2 id="errors-heading">Errors</h2>
        <ScrollRegion label="Errors">
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Code</th>
                <th scope="col">Meaning</th>
                <th scope="col">What to do</th>
              </tr>
            </thead>
            <tbody>
              {ERRORS.map(([status, code, meaning, todo]) => (
                <tr key={`${status}${code}`}>
                  <td>{status}</td>
                  <td>
                    <code>{code}</code>
                  </td>
                  <td>{meaning}</td>
                  <td>{todo}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      </section>
      <section aria-labelledby="versioning-heading">
        <h2 id="versioning-heading">Versioning</h2>
        <p>
          WorkOS versions its API as a whole, without a version header: the endpoints here are those the
          official SDKs call today. A row's <em>Version</em> says since when it exists, and <em>legacy</em> or{' '}
          <em>deprecated</em> rows name the endpoint that replaces them. Bollard's catalog is regenerated from
          WorkOS's specification; a path it does not know is refused (fail closed).
        </p>
      </section>
    </>
  );
});

const ERRORS: ReadonlyArray<readonly [string, string, string, string]> = [
  [
    '400',
    'invalid_request',
    'Bollard cannot classify the request safely, or WorkOS refused its input',
    'Fix the request; the message names the field',
  ],
  [
    '401',
    'unauthorized',
    'No, unknown, expired or revoked agent token',
    'Use a live token; rotate it in Agents',
  ],
  [
    '403',
    'permission_denied',
    'The agent lacks the permission (required_permission says which)',
    'Grant the area in Agents, or use another agent',
  ],
  [
    '403',
    'endpoint_not_allowed',
    'The method and path are not in the catalog',
    'Check the path against this catalog',
  ],
  ['404', 'entity_not_found', 'WorkOS has no such object', 'Check the id'],
  ['409', '(conflict)', 'WorkOS: the object exists or changed meanwhile', 'Read it again, then retry'],
  [
    '422',
    'invalid_request_parameters',
    'WorkOS validation failed (errors[] lists why)',
    'Fix the listed fields',
  ],
  [
    '429',
    'rate_limit_exceeded',
    'A WorkOS limit or the agent’s quota would be exceeded',
    'Wait Retry-After seconds',
  ],
  [
    '502',
    'upstream_unavailable',
    'WorkOS could not be reached (503 while the breaker is open)',
    'Retry later; see Overview',
  ],
  [
    '503',
    'audit_unavailable',
    'The audit store cannot be written: nothing was forwarded',
    'Fix the store; calls resume by themselves',
  ],
  ['504', 'upstream_timeout', 'WorkOS did not answer in time', 'Retry; idempotency keys make POSTs safe'],
];
