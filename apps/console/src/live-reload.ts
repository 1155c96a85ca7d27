/**
 * When a screen reloads for live events. A read model behind the worker's projections lags its event by a
 * moment, so one event reloads now, once `every` ms later and once more when the stream has been quiet for
 * `settle` ms. A burst (a surge's hundred referrals, a busy district's morning) reloads at most once per
 * `every` ms while it lasts, not three times per event: each reload is a request to the API and a render,
 * for every open tab.
 */
export function liveReloader(reload: () => void, every = 400, settle = 1500) {
  let lastRun = -Infinity;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let quiet: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    pending = undefined;
    lastRun = Date.now();
    reload();
  };
  return {
    event(): void {
      if (Date.now() - lastRun >= every && !pending) run();
      // one trailing reload shared by the events before it runs
      pending ??= setTimeout(run, every);
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(() => {
        quiet = undefined;
        run();
      }, settle);
    },
    stop(): void {
      if (pending) clearTimeout(pending);
      if (quiet) clearTimeout(quiet);
      pending = quiet = undefined;
    },
  };
}
