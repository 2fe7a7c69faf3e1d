#!/usr/bin/env node
// The closing lines of scripts/test.sh, from vitest's JSON report (.cache/vitest-results.json):
// the TES tests against Funnel counted apart (CI's log must show them all passing, none
// skipped), then one plain line for CI: "tests: N passed, N failed".
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const report = JSON.parse(readFileSync(new URL('../.cache/vitest-results.json', import.meta.url), 'utf8'));
const tests = report.testResults.flatMap((file) => file.assertionResults.map((test) => ({ ...test, file: file.name })));
const onFunnel = tests.filter((t) => /funnel/i.test(basename(t.file)) || t.ancestorTitles.some((title) => /Funnel/.test(title)));
const count = (status) => onFunnel.filter((t) => t.status === status).length;
const others = onFunnel.length - count('passed') - count('failed');
console.log(`TES tests against Funnel: ${count('passed')} of ${onFunnel.length} passed (${count('failed')} failed, ${others} skipped or todo)`);
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
