// Text people typed (a run's purpose, names, notes, reasons) goes into Markdown and chat messages that
// others read and tools render. Escaped so it stays text: no heading, link, image, HTML, table cell or
// mention can be smuggled in through it.

/**
 * One line of Markdown text: the characters that make emphasis, code, links, HTML, headings or table
 * cells backslash-escaped, a list or quote marker at its start too, line breaks flattened.
 */
export function markdownText(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+]|\d+[.)])(?=\s)/, '$1\\$2');
}

/** Slack (and compatible) message text: the three characters its formatting is built on, as entities. */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
