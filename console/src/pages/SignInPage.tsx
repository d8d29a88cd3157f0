import { useState, type FormEvent } from 'react';
import { PageHeading } from '../components';

export function SignInPage({ onSignIn, notice }: { onSignIn(apiKey: string): Promise<string | null>; notice: string | null }) {
  const [apiKey, setApiKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = apiKey.trim();
    if (!key) {
      setProblem('Enter the API key of your account.');
      return;
    }
    setBusy(true);
    setProblem(await onSignIn(key));
    setBusy(false);
  };

  return (
    <main className="page page-narrow" id="main">
      <PageHeading>Hookstream console</PageHeading>
      <p>Sign in with your account's API key. It stays in this browser tab only and is forgotten when the tab closes.</p>
      <p className="hint">Given a portal link by your platform? Open it: it signs you in without a key.</p>
      {notice && <p className="message message-info" role="status">{notice}</p>}
      <form onSubmit={(event) => void submit(event)} className="form" noValidate>
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            name="apiKey"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'api-key-problem' : 'api-key-hint'}
            required
          />
          <p id="api-key-hint" className="hint">
            Created with <code>npm run account -- create --name "…"</code>.
          </p>
          {problem && (
            <p id="api-key-problem" className="message message-error" role="alert">
              {problem}
            </p>
          )}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
