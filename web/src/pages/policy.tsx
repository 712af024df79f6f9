import { useState } from 'react';
import { API, api, explain, mayChange, type Session } from '../api';
import { ScrollRegion } from '../components/scroll-region';
import { TokenReveal } from '../components/token-reveal';

interface Problem {
  line: number;
  column: number;
  path: string;
  message: string;
}
type Validation =
  | { ok: true; policy: { agents: unknown[] }; problems: [] }
  | { ok: false; problems: Problem[] };
interface AgentPlan {
  name: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  gained: string[];
  lost: string[];
  changed: string[];
  warnings: { permission: string; reasons: string[] }[];
}
interface Plan {
  agents: AgentPlan[];
  summary: { create: number; update: number; delete: number; unchanged: number; warnings: number };
}

const MAX_BYTES = 1024 * 1024;

/** The policy as a file: download it; paste or upload one → validate (line:column) → plan → apply. */
export function PolicyPage({ session }: { session: Session }) {
  const [text, setText] = useState('');
  const [validation, setValidation] = useState<Validation | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [applied, setApplied] = useState<{ tokens: { name: string; token: string }[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reset = () => {
    setValidation(null);
    setPlan(null);
    setApplied(null);
    setError(null);
  };
  const run = async <T,>(step: () => Promise<T>, then: (result: T) => void) => {
    setError(null);
    try {
      then(await step());
    } catch (failure) {
      setError(explain(failure));
    }
  };
  const validate = () =>
    run(
      () => api<Validation>('POST', '/policy/validate', { text }),
      (result) => {
        setValidation(result);
        setPlan(null);
      },
    );
  const makePlan = () =>
    validation?.ok && run(() => api<Plan>('POST', '/policy/plan', validation.policy), setPlan);
  const apply = () =>
    validation?.ok &&
    run(
      () => api<{ tokens: { name: string; token: string }[] }>('POST', '/policy/apply', validation.policy),
      (result) => {
        setApplied(result);
        setPlan(null);
      },
    );
  const upload = (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_BYTES) return setError('That file is over 1 MiB; a policy file is much smaller.');
    void file.text().then((content) => {
      reset();
      setText(content);
    });
  };

  return (
    <>
      <h1>Policy</h1>
      <p className="muted">
        Every agent as one <code>bollard.yaml</code>: keep it in version control, change it, and apply it here
        or with <code>bollard policy apply</code>. Agents the file does not list are removed on apply.
      </p>
      <p>
        <a className="button" href={`${API}/policy/export`} download="bollard.yaml">
          Download the current policy
        </a>
      </p>
      <div className="row">
        <label>
          Upload a file
          <input type="file" accept=".yaml,.yml,.json" onChange={(e) => upload(e.target.files?.[0])} />
        </label>
      </div>
      <label style={{ display: 'flex', marginTop: '0.6rem' }}>
        Or paste it
        <textarea
          rows={12}
          value={text}
          spellCheck={false}
          onChange={(e) => {
            reset();
            setText(e.target.value);
          }}
          placeholder={'version: 1\nagents:\n  - name: support-bot\n    grants: [users:read]'}
          data-testid="policy-text"
        />
      </label>
      <div className="row" style={{ marginTop: '0.6rem' }}>
        <button type="button" onClick={validate} disabled={!text.trim()}>
          Validate
        </button>
        <button type="button" onClick={makePlan} disabled={!validation?.ok}>
          Plan
        </button>
        <button type="button" className="primary" onClick={apply} disabled={!plan || !mayChange(session)}>
          Apply
        </button>
      </div>
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
      {validation && (
        <div
          className={`notice ${validation.ok ? 'ok' : 'error'}`}
          role="status"
          data-testid="policy-validation"
        >
          {validation.ok ? (
            `Valid: ${validation.policy.agents.length} agents. Plan it next.`
          ) : (
            <>
              {validation.problems.length} problem{validation.problems.length === 1 ? '' : 's'}:
              <ul>
                {validation.problems.map((p) => (
                  <li key={`${p.line}:${p.column}:${p.message}`}>
                    <code>
                      {p.line}:{p.column}
                    </code>{' '}
                    {p.message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      {plan && (
        <section aria-labelledby="plan-heading" data-testid="policy-plan">
          <h2 id="plan-heading">Plan</h2>
          <p>
            {plan.summary.create} to create, {plan.summary.update} to change, {plan.summary.delete} to delete,{' '}
            {plan.summary.unchanged} unchanged
            {plan.summary.warnings ? `; ${plan.summary.warnings} risky permissions` : ''}.
          </p>
          <ScrollRegion label="Plan">
            <table>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Action</th>
                  <th scope="col">Gains</th>
                  <th scope="col">Loses</th>
                  <th scope="col">Risks</th>
                </tr>
              </thead>
              <tbody>
                {plan.agents.map((a) => (
                  <tr key={a.name}>
                    <td>{a.name}</td>
                    <td>
                      <span
                        className={`chip ${a.action === 'delete' ? 'bad' : a.action === 'unchanged' ? '' : 'warn'}`}
                      >
                        {a.action}
                      </span>
                    </td>
                    <td>{a.gained.join(', ') || '—'}</td>
                    <td>{a.lost.join(', ') || '—'}</td>
                    <td>
                      {a.warnings.map((w) => `${w.permission}: ${w.reasons.join(', ')}`).join('; ') || '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </section>
      )}
      {applied && (
        <>
          <p className="notice ok" role="status" data-testid="policy-applied">
            Applied.{' '}
            {applied.tokens.length
              ? `${applied.tokens.length} new agents; their tokens are below, once.`
              : ''}
          </p>
          {applied.tokens.map((t) => (
            <TokenReveal key={t.name} name={t.name} token={t.token} proxyUrl={session.proxyUrl} />
          ))}
        </>
      )}
    </>
  );
}
