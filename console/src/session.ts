// The API key lives in sessionStorage only: it is gone when the tab closes, and never touches localStorage or cookies.
const API_KEY_ITEM = 'hookstream.apiKey';

export function loadApiKey(): string | null {
  try {
    return window.sessionStorage.getItem(API_KEY_ITEM);
  } catch {
    return null;
  }
}

export function saveApiKey(apiKey: string): void {
  window.sessionStorage.setItem(API_KEY_ITEM, apiKey);
}

export function clearApiKey(): void {
  try {
    window.sessionStorage.removeItem(API_KEY_ITEM);
  } catch {
    // Storage may be disabled; there is nothing to clear then.
  }
}
