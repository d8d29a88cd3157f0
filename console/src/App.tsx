// The shell: sign-in, then the header, navigation and the page for the current address.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi, fetchSignIn, toApiError, type Api } from './api';
import { formatDateTime } from './format';
import { SessionContext, useLiveState, useSession, type PortalAccess, type Session } from './hooks';
import { DeliveryPage } from './pages/DeliveryPage';
import { HistoryPage } from './pages/HistoryPage';
import { NewWebhookPage } from './pages/NewWebhookPage';
import { SignInPage } from './pages/SignInPage';
import { WebhookPage } from './pages/WebhookPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { Link, parseRoute, paths, useLocation, type Route } from './router';
import { clearApiKey, loadApiKey, saveApiKey, takePortalToken } from './session';

type SignedIn = { api: Api; accountName: string; portal: PortalAccess | null };

// Read once, before the first render: the token leaves the address bar at once (see takePortalToken).
const portalToken = takePortalToken();

export function App() {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [restoring, setRestoring] = useState(() => portalToken !== null || loadApiKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const [flashSecret, setFlashSecret] = useState<Session['flashSecret']>(null);

  const endSession = useCallback((message: string | null) => {
    clearApiKey();
    setFlashSecret(null);
    setNotice(message);
    setSignedIn((current) => {
      current?.api.close();
      return null;
    });
  }, []);

  /** Checks the API key or portal token; on success keeps it in sessionStorage for this tab. */
  const signIn = useCallback(
    async (credential: string): Promise<string | null> => {
      try {
        const { viewer, portalSession } = await fetchSignIn(credential);
        saveApiKey(credential);
        setNotice(null);
        // From here a refused credential means it was revoked (or expired) mid-session: back to the sign-in form.
        const api = createApi(credential, () =>
          endSession(portalSession ? 'This portal session has ended (it expired or was revoked): ask for a new link.' : 'The API key was refused: sign in again.'),
        );
        const portal = portalSession && { readOnly: portalSession.readOnly, limitedToSomeWebhooks: portalSession.webhookIds !== null, expiresAt: portalSession.expiresAt };
        setSignedIn({ api, accountName: viewer.name, portal });
        return null;
      } catch (error) {
        clearApiKey();
        return toApiError(error).message;
      }
    },
    [endSession],
  );

  useEffect(() => {
    // A portal link's token wins over whatever this tab signed in with before.
    const saved = portalToken ?? loadApiKey();
    if (!saved) return;
    void signIn(saved).then((problem) => {
      if (problem) setNotice(problem);
      setRestoring(false);
    });
  }, [signIn]);

  const session = useMemo<Session | null>(
    () =>
      signedIn && {
        api: signedIn.api,
        accountName: signedIn.accountName,
        portal: signedIn.portal,
        signOut: () => endSession('Signed out.'),
        flashSecret,
        setFlashSecret,
      },
    [signedIn, flashSecret, endSession],
  );

  if (!session) {
    return restoring ? (
      <main className="page">
        <p role="status">Signing in…</p>
      </main>
    ) : (
      <SignInPage onSignIn={signIn} notice={notice} />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const { accountName, portal, signOut } = useSession();
  const location = useLocation();
  const route = parseRoute(location.pathname);
  const live = useLiveState();
  const liveLabel = live === 'live' ? 'Live updates on' : live === 'connecting' ? 'Connecting live updates…' : 'Live updates offline, reconnecting';

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <Link to={paths.webhooks()}>Hookstream</Link>
          <span className="muted"> · {accountName}</span>
          {portal && (
            <span className="portal-badge" data-testid="portal-session">
              {' '}
              · Portal session{portal.readOnly ? ', read-only' : ''}, until {formatDateTime(portal.expiresAt)}
            </span>
          )}
        </div>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to={paths.webhooks()} aria-current={route.name === 'webhooks' ? 'page' : undefined}>
                Webhooks
              </Link>
            </li>
            <li>
              <Link to={paths.history()} aria-current={route.name === 'history' ? 'page' : undefined}>
                Call history
              </Link>
            </li>
          </ul>
        </nav>
        <p className={`live live-${live}`} role="status" data-live={live}>
          <span aria-hidden="true" className="live-dot" />
          {liveLabel}
        </p>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" className="page">
        <RoutePage route={route} search={location.search} key={location.pathname} />
      </main>
    </>
  );
}

function RoutePage({ route, search }: { route: Route; search: string }) {
  switch (route.name) {
    case 'webhooks':
      return <WebhooksPage search={search} />;
    case 'webhook-new':
      return <NewWebhookPage />;
    case 'webhook':
      return <WebhookPage webhookId={route.id} />;
    case 'webhook-history':
      return <HistoryPage webhookId={route.id} search={search} />;
    case 'history':
      return <HistoryPage webhookId={null} search={search} />;
    case 'delivery':
      return <DeliveryPage deliveryId={route.id} />;
    case 'not-found':
      return (
        <>
          <h1>Page not found</h1>
          <p>
            <Link to={paths.webhooks()}>Back to the webhooks</Link>
          </p>
        </>
      );
  }
}
