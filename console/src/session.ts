// The bearer credential (an API key, or a portal session's token) lives in sessionStorage only: it is gone when the
// tab closes, and never touches localStorage or cookies.
const CREDENTIAL_ITEM = 'hookstream.apiKey';

export function loadApiKey(): string | null {
  try {
    return window.sessionStorage.getItem(CREDENTIAL_ITEM);
  } catch {
    return null;
  }
}

export function saveApiKey(apiKey: string): void {
  window.sessionStorage.setItem(CREDENTIAL_ITEM, apiKey);
}

export function clearApiKey(): void {
  try {
    window.sessionStorage.removeItem(CREDENTIAL_ITEM);
  } catch {
    // Storage may be disabled; there is nothing to clear then.
  }
}

/**
 * A portal link (`/console#session=<token>`, made by createPortalSession) carries its token in the fragment, which the
 * browser never sends to a server. Take it, and remove it from the address bar (and so from the history and from
 * anything copied out of it) before anything else runs.
 */
export function takePortalToken(): string | null {
  const match = /^#session=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  return match[1] ?? null;
}
