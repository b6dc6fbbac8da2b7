import type { CheckResult } from '../../../src-main/contract/verify';

const mark = { passed: 'PASS', partial: 'PART', failed: 'FAIL', 'not-run': 'SKIP' } as const;

/** The integrity or rehearsal checks with the numbers behind each one. */
export function ChecksList({ checks }: { checks: CheckResult[] }) {
  return (
    <ul className="checks">
      {checks.map((c) => (
        <li key={c.key} className={`check check-${c.status}`}>
          <span className="check-mark">{mark[c.status]}</span>
          <span>
            <strong>{c.title}</strong> — {c.detail}
          </span>
        </li>
      ))}
    </ul>
  );
}
