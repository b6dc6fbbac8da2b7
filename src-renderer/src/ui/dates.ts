/** <input type="datetime-local"> speaks local wall-clock time without a zone; the contract wants ISO 8601 with one. */
export const toIso = (local: string): string => (local ? new Date(local).toISOString() : '');

export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export const inHours = (hours: number): string => toLocalInput(new Date(Date.now() + hours * 3_600_000));
