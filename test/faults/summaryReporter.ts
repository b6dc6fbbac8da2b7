import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * `npm run test:faults` prints this after the run: each fault scenario with its outcome, as a Markdown
 * table (README.md carries a copy). It only reports; the assertions live in the tests.
 */
export default class FaultSummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows: string[] = [];
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        const outcome = state === 'passed' ? 'handled as expected' : state === 'failed' ? '**FAILED**' : 'skipped';
        const ms = test.diagnostic()?.duration;
        rows.push(`| ${relative('test/faults', module.moduleId).replace(/\.test\.ts$/, '')} | ${test.fullName.replace(/\|/g, '\\|')} | ${outcome} | ${ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`} |`);
      }
    }
    process.stdout.write(
      ['', '## Fault scenarios', '', '| area | scenario → expected outcome | result | time |', '|---|---|---|---|', ...rows, '', `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`, ''].join('\n'),
    );
  }
}
