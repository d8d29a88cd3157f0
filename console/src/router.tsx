// Client-side routing under /console with the History API: real links (open in a new tab, copy the address), and
// the server answers every /console path with index.html (src/console/serve.ts).
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE_PATH = '/console';
const NAVIGATE_EVENT = 'console:navigate';

export type Route =
  | { name: 'webhooks' }
  | { name: 'webhook-new' }
  | { name: 'webhook'; id: string }
  | { name: 'webhook-history'; id: string }
  | { name: 'history' }
  | { name: 'delivery'; id: string }
  | { name: 'not-found' };

const segment = (id: string) => encodeURIComponent(id);

export const paths = Object.freeze({
  webhooks: () => `${BASE_PATH}/`,
  newWebhook: () => `${BASE_PATH}/webhooks/new`,
  webhook: (id: string) => `${BASE_PATH}/webhooks/${segment(id)}`,
  webhookHistory: (id: string) => `${BASE_PATH}/webhooks/${segment(id)}/deliveries`,
  history: () => `${BASE_PATH}/deliveries`,
  delivery: (id: string) => `${BASE_PATH}/deliveries/${segment(id)}`,
});

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE_PATH) ? pathname.slice(BASE_PATH.length) : pathname;
  const parts = rest.split('/').filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  const [first, second, third] = parts;
  if (parts.length === 0) return { name: 'webhooks' };
  if (first === 'webhooks' && parts.length === 1) return { name: 'webhooks' };
  if (first === 'webhooks' && second === 'new' && parts.length === 2) return { name: 'webhook-new' };
  if (first === 'webhooks' && second && parts.length === 2) return { name: 'webhook', id: second };
  if (first === 'webhooks' && second && third === 'deliveries' && parts.length === 3) return { name: 'webhook-history', id: second };
  if (first === 'deliveries' && parts.length === 1) return { name: 'history' };
  if (first === 'deliveries' && second && parts.length === 2) return { name: 'delivery', id: second };
  return { name: 'not-found' };
}

export type Location = { pathname: string; search: string };

function currentLocation(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export function useLocation(): Location {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const update = () => setLocation(currentLocation());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return location;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** A real <a href>: a plain click navigates in place; modified clicks (new tab, download) stay the browser's. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handleClick} {...rest} />;
}
