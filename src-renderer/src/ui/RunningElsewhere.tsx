import { useState } from 'react';

/**
 * Work on this run that another process runs (the command line, another window): shown as running, with
 * a Cancel that reaches it there (the core writes the request on the activity, which watches for it).
 */
export function RunningElsewhere({ what, cancel }: { what: string; cancel: () => Promise<unknown> }) {
  const [asked, setAsked] = useState(false);
  return (
    <div className="actions" role="status">
      <span className="muted">The {what} is running (started on the command line, in another window, or before this screen opened).</span>
      <button
        disabled={asked}
        onClick={() => {
          setAsked(true);
          void cancel().finally(() => setAsked(false));
        }}
      >
        {asked ? 'Cancelling… (it removes what it made)' : `Cancel the ${what}`}
      </button>
    </div>
  );
}
