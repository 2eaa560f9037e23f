import { useEffect, useId, useState } from 'react';
import { SDK_ENDPOINT_DURATIONS } from '../../../../shared/channels';
import type { AccountDto, SdkEndpointDto, SdkKind } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatDateTime } from '../../format';

interface Props {
  account: AccountDto;
}

const SDK_NAMES: Record<SdkKind, string> = {
  google: 'Google (Compute Engine metadata)',
  azure: 'Azure (managed identity)',
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1)$/;

function durationLabel(ms: number): string {
  const [n, unit] = ms % 86_400_000 === 0 ? [ms / 86_400_000, 'day'] : [ms / 3_600_000, 'hour'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** The endpoints of every account, kept current by main's event. */
function useSdkEndpoints(): { endpoints: SdkEndpointDto[]; error: ErrorInfo | null } {
  const [endpoints, setEndpoints] = useState<SdkEndpointDto[]>([]);
  const [error, setError] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    let current = true;
    const off = bridge().onSdkEndpoints((list) => {
      if (current) setEndpoints(list);
    });
    call(bridge().listSdkEndpoints())
      .then((list) => current && setEndpoints(list))
      .catch((err: unknown) => current && setError(errorInfo(err)));
    return () => {
      current = false;
      off();
    };
  }, []);
  return { endpoints, error };
}

/**
 * Serving this account's tokens to Google's or Azure's own SDKs (what `osmen-cred serve` does):
 * start an endpoint, see the variables a program sets, copy them (main copies Azure's secret,
 * which the window never sees), stop it.
 */
export function SdkEndpoints({ account: a }: Props): React.JSX.Element {
  const base = useId();
  const { endpoints: all, error: listError } = useSdkEndpoints();
  const mine = all.filter((e) => e.provider === a.provider && e.userId === a.userId);
  const [sdk, setSdk] = useState<SdkKind>('google');
  const [scopes, setScopes] = useState('');
  const [project, setProject] = useState('');
  const [port, setPort] = useState('');
  const [bind, setBind] = useState('127.0.0.1');
  const [forMs, setForMs] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ErrorInfo | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const start = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    setNote(null);
    try {
      const list = scopes.split(/\s+/).filter(Boolean);
      const started = await call(
        bridge().startSdkEndpoint({
          sdk,
          providerId: a.provider,
          userId: a.userId,
          ...(list.length ? { scopes: list } : {}),
          ...(sdk === 'google' && project.trim() ? { project: project.trim() } : {}),
          ...(port.trim() ? { port: Number(port) } : {}),
          bind: bind.trim(),
          ...(forMs ? { forMs: Number(forMs) } : {}),
        }),
      );
      setNote(`Serving on ${started.host}:${started.port}.`);
    } catch (err) {
      setFailure(errorInfo(err));
    } finally {
      setBusy(false);
    }
  };

  const act = async (what: () => Promise<unknown>, done: string): Promise<void> => {
    setFailure(null);
    setNote(null);
    try {
      await what();
      setNote(done);
    } catch (err) {
      setFailure(errorInfo(err));
    }
  };

  return (
    <section className="sdk-endpoints" aria-labelledby={`${base}-title`} data-testid="sdk-endpoints">
      <h3 id={`${base}-title`} className="sdk-title">
        Google and Azure SDKs
      </h3>
      <p className="small muted">
        Programs written with Google’s or Azure’s own libraries can get this account’s tokens from a local endpoint, unchanged. Set the
        variables in the program’s environment (or <code>docker run</code>); stop the endpoint when done. Each token handed out is written
        to the log.
      </p>
      {listError && <ErrorNotice error={listError} />}
      {mine.length > 0 && (
        <ul className="endpoint-list" aria-label="Running SDK endpoints">
          {mine.map((ep) => (
            <li key={ep.id} className="endpoint" data-testid="sdk-endpoint">
              <p>
                <strong>{SDK_NAMES[ep.sdk]}</strong> on{' '}
                <span className="mono">
                  {ep.host}:{ep.port}
                </span>
                {ep.scopes ? ` — scopes: ${ep.scopes.join(' ')}` : ''}
                {ep.endsAt === null ? ', until stopped' : `, until ${formatDateTime(ep.endsAt)}`}
              </p>
              <code className="command mono" data-testid="sdk-variables">
                {ep.variables.map((v) => `${v.name}=${v.value ?? '(secret: use Copy)'}`).join(' ')}
              </code>
              <div className="command-row">
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => void act(() => call(bridge().copyToClipboard({ what: 'sdk-variables', id: ep.id })), 'Variables copied.')}
                >
                  Copy variables
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-quiet-danger"
                  onClick={() => void act(() => call(bridge().stopSdkEndpoint({ id: ep.id })), 'Endpoint stopped.')}
                >
                  Stop
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form className="form-grid sdk-form" onSubmit={(e) => void start(e)} aria-label="Start an SDK endpoint">
        <div className="field">
          <label htmlFor={`${base}-sdk`}>SDK</label>
          <select id={`${base}-sdk`} value={sdk} onChange={(e) => setSdk(e.target.value as SdkKind)}>
            <option value="google">Google</option>
            <option value="azure">Azure</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${base}-for`}>Stop after</label>
          <select id={`${base}-for`} value={forMs} onChange={(e) => setForMs(e.target.value)}>
            <option value="">Until stopped</option>
            {SDK_ENDPOINT_DURATIONS.map((ms) => (
              <option key={ms} value={String(ms)}>
                {durationLabel(ms)}
              </option>
            ))}
          </select>
        </div>
        <div className="field span-2">
          <label htmlFor={`${base}-scopes`}>Scopes (optional)</label>
          <input
            id={`${base}-scopes`}
            value={scopes}
            onChange={(e) => setScopes(e.target.value)}
            placeholder={sdk === 'azure' ? 'e.g. https://management.azure.com/.default' : 'Empty: the account’s own'}
            spellCheck={false}
          />
        </div>
        {sdk === 'google' && (
          <div className="field">
            <label htmlFor={`${base}-project`}>Project id (optional)</label>
            <input id={`${base}-project`} value={project} onChange={(e) => setProject(e.target.value)} spellCheck={false} />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${base}-port`}>Port (optional)</label>
          <input
            id={`${base}-port`}
            value={port}
            onChange={(e) => setPort(e.target.value)}
            inputMode="numeric"
            pattern="[0-9]{1,5}"
            placeholder="Any free one"
          />
        </div>
        <div className="field">
          <label htmlFor={`${base}-bind`}>Listen on</label>
          <input
            id={`${base}-bind`}
            value={bind}
            onChange={(e) => setBind(e.target.value)}
            required
            spellCheck={false}
            aria-describedby={`${base}-bind-hint`}
          />
          <p
            id={`${base}-bind-hint`}
            className={LOOPBACK.test(bind.trim()) ? 'sdk-hint small muted' : 'sdk-hint small sdk-hint-warn'}
            role="status"
          >
            {LOOPBACK.test(bind.trim())
              ? 'This computer only.'
              : 'Reachable by others: any program that reaches this address gets the tokens (Google’s protocol has no secret).'}
          </p>
        </div>
        <div className="form-actions span-2">
          <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
            {busy ? 'Starting…' : 'Start endpoint'}
          </button>
        </div>
      </form>
      {note && (
        <p className="inline-msg info" role="status">
          {note}
        </p>
      )}
      {failure && <ErrorNotice error={failure} live />}
    </section>
  );
}
