import { CopyButton } from './copy';

/** A new agent token, shown once, with ready-to-paste snippets for the SDK, curl and an MCP client. */
export function TokenReveal({
  name,
  token,
  proxyUrl,
}: {
  name: string;
  token: string;
  proxyUrl: string | null;
}) {
  const proxy = proxyUrl ?? 'http://127.0.0.1:7600';
  const url = new URL(proxy);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const sdk = `import { WorkOS } from '@workos-inc/node';\n\nconst workos = new WorkOS(process.env.BOLLARD_TOKEN, {\n  apiHostname: '${url.hostname}', port: ${port}, https: ${url.protocol === 'https:'},\n});\nconsole.log((await workos.organizations.listOrganizations()).data);`;
  const curl = `curl -s -H "Authorization: Bearer $BOLLARD_TOKEN" ${proxy}/organizations`;
  const mcp = JSON.stringify(
    {
      mcpServers: {
        bollard: { type: 'http', url: `${proxy}/mcp`, headers: { Authorization: `Bearer ${token}` } },
      },
    },
    null,
    2,
  );
  return (
    <section className="panel" aria-labelledby="token-heading">
      <h2 id="token-heading">Token for {name}</h2>
      <p className="notice warn">
        Shown once: Bollard keeps only its hash. Copy it now into the agent's secret store.
      </p>
      <div className="row">
        <label>
          Agent token
          <input
            readOnly
            value={token}
            size={60}
            data-testid="new-token"
            onFocus={(e) => e.currentTarget.select()}
          />
        </label>
        <CopyButton text={token} label="Copy token" />
      </div>
      <h3>Node SDK</h3>
      <pre className="snippet">{`export BOLLARD_TOKEN=${token}\n\n${sdk}`}</pre>
      <CopyButton text={sdk} label="Copy SDK snippet" />
      <h3>curl</h3>
      <pre className="snippet">{curl}</pre>
      <CopyButton text={curl} label="Copy curl" />
      <h3>MCP client configuration</h3>
      <pre className="snippet">{mcp}</pre>
      <CopyButton text={mcp} label="Copy MCP config" />
    </section>
  );
}
