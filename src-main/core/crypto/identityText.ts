/** The age identities in a key file's text (age-keygen output: comments, then AGE-SECRET-KEY-1… lines). */
export function identitiesIn(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('AGE-SECRET-KEY-'));
}
