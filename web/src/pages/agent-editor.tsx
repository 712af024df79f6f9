import { type FormEvent, useMemo, useState } from 'react';
import { api, explain, type Session } from '../api';
import { ScrollRegion } from '../components/scroll-region';
import { Async } from '../components/states';
import { TokenReveal } from '../components/token-reveal';
import { endpointsOpened, openedBy, permissionOf, permissionsOf, risks } from '../model';
import { href, navigate } from '../router';
import type { Agent, Area, Endpoint, Grant, List } from '../types';
import { useApi } from '../use-api';

type Access = 'none' | 'read' | 'write';

function toMatrix(grants: readonly string[]): Record<string, Access> {
  const matrix: Record<string, Access> = {};
  for (const grant of grants) {
    const [area, access] = grant.split(':') as [string, Access];
    if (matrix[area] !== 'write') matrix[area] = access;
  }
  return matrix;
}
const toGrants = (matrix: Record<string, Access>) =>
  Object.entries(matrix)
    .filter(([, access]) => access !== 'none')
    .map(([area, access]) => `${area}:${access}`)
    .sort();

/** A permission kept at the same access keeps its restrictions (organizations, field constraints). */
function keepRestrictions(permissions: readonly string[], before: readonly Grant[]): Grant[] {
  return permissions.map(
    (permission) => before.find((grant) => permissionOf(grant) === permission) ?? permission,
  );
}

/** Create or edit an agent with a grant matrix; an edit shows its plan (endpoints gained and lost) first. */
export function AgentEditorPage({ session, id }: { session: Session; id?: string }) {
  const endpoints = useApi<List<Endpoint>>('/catalog');
  const areas = useApi<List<Area>>('/catalog/areas');
  const existing = useApi<Agent>(id ? `/agents/${encodeURIComponent(id)}` : null);
  return (
    <>
      <h1>{id ? `Edit ${id}` : 'New agent'}</h1>
      <Async state={endpoints} what="the catalog">
        {(catalog) => (
          <Async state={areas} what="areas">
            {(areaList) =>
              id ? (
                <Async state={existing} what="the agent">
                  {(agent) => (
                    <Editor session={session} endpoints={catalog.data} areas={areaList.data} agent={agent} />
                  )}
                </Async>
              ) : (
                <Editor session={session} endpoints={catalog.data} areas={areaList.data} />
              )
            }
          </Async>
        )}
      </Async>
    </>
  );
}

const EXPIRY = [
  ['', 'never'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
] as const;

function Editor({
  session,
  endpoints,
  areas,
  agent,
}: {
  session: Session;
  endpoints: Endpoint[];
  areas: Area[];
  agent?: Agent;
}) {
  const [name, setName] = useState(agent?.name ?? '');
  const [description, setDescription] = useState(agent?.description ?? '');
  const [expiresIn, setExpiresIn] = useState('');
  const [matrix, setMatrix] = useState<Record<string, Access>>(() =>
    toMatrix(permissionsOf(agent?.grants ?? [])),
  );
  const [stage, setStage] = useState<'edit' | 'plan'>('edit');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const grants = toGrants(matrix);
  const grantsKey = grants.join(',');
  const opened = useMemo(
    () => openedBy(endpoints, grantsKey ? grantsKey.split(',') : []),
    [endpoints, grantsKey],
  );
  const before = useMemo(() => openedBy(endpoints, permissionsOf(agent?.grants ?? [])), [endpoints, agent]);
  const gained = opened.filter((e) => !before.includes(e));
  const lost = before.filter((e) => !opened.includes(e));
  const openedRisks = risks(opened);

  if (created) {
    return (
      <>
        <p className="notice ok" role="status">
          Created {created.name}.
        </p>
        <TokenReveal name={created.name} token={created.token} proxyUrl={session.proxyUrl} />
        <p>
          <a href={href(`/agents/${created.name}`)}>Go to {created.name}</a>
        </p>
      </>
    );
  }

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const fields = {
        description,
        grants: keepRestrictions(grants, agent?.grants ?? []),
        ...(expiresIn ? { expiresIn } : {}),
      };
      if (agent) {
        await api('PATCH', `/agents/${agent.id}`, fields);
        navigate(`/agents/${agent.name}`);
      } else {
        const result = await api<{ agent: Agent; token: string }>('POST', '/agents', { name, ...fields });
        setCreated({ name: result.agent.name, token: result.token });
      }
    } catch (failure) {
      setError(explain(failure));
      setStage('edit');
    } finally {
      setBusy(false);
    }
  };

  const review = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setStage('plan');
  };

  if (stage === 'plan') {
    return (
      <section className="panel" aria-labelledby="plan-heading">
        <h2 id="plan-heading">Plan for {agent?.name ?? name}</h2>
        <p data-testid="plan-summary">
          {agent ? (
            <>
              Gains <strong>{gained.length}</strong> endpoints, loses <strong>{lost.length}</strong>; opens{' '}
              {opened.length} in all.
            </>
          ) : (
            <>
              Opens <strong>{opened.length}</strong> endpoints with {grants.join(', ') || 'no grants'}.
            </>
          )}
        </p>
        {openedRisks.destructive.length + openedRisks.secrets.length > 0 && (
          <p className="notice warn">
            Risky: {openedRisks.destructive.length} destructive and {openedRisks.secrets.length}{' '}
            secret-returning endpoints.
          </p>
        )}
        {agent && (
          <div className="cards">
            <EndpointList title="Gained" endpoints={gained} />
            <EndpointList title="Lost" endpoints={lost} />
          </div>
        )}
        <div className="row">
          <button type="button" onClick={() => setStage('edit')}>
            Back
          </button>
          <button type="button" className="primary" onClick={save} disabled={busy}>
            {agent ? 'Save changes' : 'Create agent'}
          </button>
        </div>
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}
      </section>
    );
  }

  return (
    <form onSubmit={review}>
      <div className="filters">
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            disabled={!!agent}
            pattern="[a-z0-9][a-z0-9._\-]*"
            title="lowercase letters, digits, '.', '_' and '-'"
            placeholder="support-bot"
          />
        </label>
        <label>
          Description
          <input
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            size={40}
            maxLength={500}
          />
        </label>
        <label>
          Expires
          <select value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)}>
            {EXPIRY.map(([value, label]) => (
              <option key={value} value={value}>
                {value === '' && agent?.expiresAt ? 'keep as is' : label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <h2>Grants</h2>
      {agent?.grants.some((grant) => typeof grant !== 'string') && (
        <p className="notice">
          Some grants carry restrictions (organizations, field constraints). They stay as they are while the
          area keeps its access; change them in the policy file or with the CLI.
        </p>
      )}
      <p className="muted" data-testid="matrix-summary">
        {opened.length} endpoints open · {openedRisks.destructive.length} destructive ·{' '}
        {openedRisks.secrets.length} return secrets
      </p>
      <ScrollRegion label="Grant matrix">
        <table className="matrix">
          <thead>
            <tr>
              <th scope="col">Area</th>
              <th scope="col">Access</th>
            </tr>
          </thead>
          <tbody>
            {areas.map((area) => (
              <MatrixRow
                key={area.name}
                area={area}
                endpoints={endpoints}
                value={matrix[area.name] ?? 'none'}
                onChange={(access) => setMatrix((m) => ({ ...m, [area.name]: access }))}
              />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <div className="row" style={{ marginTop: '1rem' }}>
        <button type="submit" className="primary">
          Review plan
        </button>
        <a className="button" href={agent ? href(`/agents/${agent.name}`) : href('/agents')}>
          Cancel
        </a>
      </div>
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
    </form>
  );
}

function MatrixRow({
  area,
  endpoints,
  value,
  onChange,
}: {
  area: Area;
  endpoints: Endpoint[];
  value: Access;
  onChange: (access: Access) => void;
}) {
  const choices = (['none', 'read', 'write'] as const).map((access) => {
    const opened = endpointsOpened(endpoints, area.name, access);
    const risky = risks(opened);
    return {
      access,
      count: opened.length,
      destructive: risky.destructive.length,
      secrets: risky.secrets.length,
    };
  });
  return (
    <tr>
      <th scope="row">
        {area.title}
        <div className="muted">
          <code>{area.name}</code>
        </div>
      </th>
      <td>
        <fieldset>
          <legend className="visually-hidden">{area.title} access</legend>
          {choices.map((choice) => (
            <label key={choice.access}>
              <input
                type="radio"
                name={`grant-${area.name}`}
                value={choice.access}
                checked={value === choice.access}
                onChange={() => onChange(choice.access)}
              />
              {choice.access}
              {choice.access !== 'none' && <span className="muted">({choice.count})</span>}
              {choice.access !== 'none' && choice.destructive > 0 && (
                <span className="chip bad" title="Irreversible deletes">
                  {choice.destructive} destructive
                </span>
              )}
              {choice.access !== 'none' && choice.secrets > 0 && (
                <span className="chip warn" title="Responses carry codes, tokens, links or keys">
                  {choice.secrets} secret
                </span>
              )}
            </label>
          ))}
        </fieldset>
      </td>
    </tr>
  );
}

function EndpointList({ title, endpoints }: { title: string; endpoints: Endpoint[] }) {
  return (
    <div>
      <h3>
        {title} ({endpoints.length})
      </h3>
      {endpoints.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <ul>
          {endpoints.slice(0, 50).map((e) => (
            <li key={e.id}>
              <code>
                {e.method} {e.path}
              </code>
              {e.destructive && <span className="chip bad">destructive</span>}
            </li>
          ))}
          {endpoints.length > 50 && <li className="muted">and {endpoints.length - 50} more</li>}
        </ul>
      )}
    </div>
  );
}
