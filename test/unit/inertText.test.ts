import { describe, expect, it } from 'vitest';
import { markdownText, slackText } from '../../src-main/core/util/inertText';

// Text people type reaches a Markdown log and a Slack message: it must come out as text.
describe('inert user text', () => {
  it.each([
    ['# Heading\nnext line', '\\# Heading next line'],
    ['[click me](https://evil.example)', '\\[click me\\](https://evil.example)'],
    ['![x](https://evil.example/t.png)', '!\\[x\\](https://evil.example/t.png)'],
    ['<img src=x onerror=alert(1)>', '\\<img src=x onerror=alert(1)\\>'],
    ['a | b | c', 'a \\| b \\| c'],
    ['- not a list', '\\- not a list'],
    ['1. not a list', '\\1. not a list'],
    ['**bold** _it_ `code` ~~s~~', '\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~'],
    ['pre-migration baseline 2026-11-24', 'pre-migration baseline 2026-11-24'],
  ])('Markdown: %j stays text', (input, output) => {
    expect(markdownText(input)).toBe(output);
  });

  it('Slack: mentions, links and entities stay text', () => {
    expect(slackText('<!channel> <https://evil.example|click> & <@U123>')).toBe('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; &lt;@U123&gt;');
  });
});
