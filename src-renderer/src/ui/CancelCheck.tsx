import { useState } from 'react';
import { api } from '../api';

/** Cancels the integrity check or rehearsal running on a run; the core removes its temporary files and servers at once. */
export function CancelCheck({ runId, what }: { runId: string; what: string }) {
  const [asked, setAsked] = useState(false);
  const cancel = () => {
    setAsked(true);
    void api().cancelCheck({ runId });
  };
  return (
    <button onClick={cancel} disabled={asked}>
      {asked ? 'Cancelling… (removing temporary files and servers)' : `Cancel ${what}`}
    </button>
  );
}
