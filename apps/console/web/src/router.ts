import { useSyncExternalStore } from 'react';

/** A minimal path router over the History API (the console has a handful of screens). */
let listeners: (() => void)[] = [];
function notify(): void {
  listeners.forEach((l) => l());
}
window.addEventListener('popstate', notify);

export function navigate(to: string): void {
  if (to === window.location.pathname + window.location.search) return;
  history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

export function usePath(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.push(l);
      return () => {
        listeners = listeners.filter((x) => x !== l);
      };
    },
    () => window.location.pathname,
  );
}
