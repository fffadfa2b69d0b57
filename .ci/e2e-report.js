#!/usr/bin/env node
// Prints what a failed end-to-end run needs to be understood from the end of CI's output
// (which is often all that is kept): first the last lines of the logs of the failing files
// only, then the failing tests with the start of their messages, last.
// Usage: node .ci/e2e-report.js <jest --json results file> <artifacts directory>
'use strict';
const fs = require('fs');
const path = require('path');

const [resultsFile, artifacts] = process.argv.slice(2);
const LOG_LINES = 40;
const MESSAGE_LINES = 30;

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return walk(full);
    return entry.isFile() && entry.name.endsWith('.log') ? [full] : [];
  }).sort();
}

function tail(file, lines) {
  const text = fs.readFileSync(file, 'utf8').replace(/\n$/, '');
  return text.split('\n').slice(-lines).map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line));
}

function stripAnsi(text) {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

if (!resultsFile || !fs.existsSync(resultsFile)) {
  console.error(`[ci] no jest results at ${resultsFile}; every log the suite kept is under ${artifacts}`);
  for (const log of walk(artifacts)) {
    console.error(`[ci] ---- ${path.relative(artifacts, log)} (last ${LOG_LINES} lines)`);
    console.error(tail(log, LOG_LINES).join('\n'));
  }
  process.exit(0);
}

const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
const failedFiles = results.testResults.filter((file) => file.status !== 'passed');

for (const file of failedFiles) {
  const name = path.basename(file.name).replace(/\.test\.ts$/, '');
  for (const log of walk(path.join(artifacts, name))) {
    console.error(`[ci] ---- ${path.relative(artifacts, log)} (last ${LOG_LINES} lines)`);
    console.error(tail(log, LOG_LINES).join('\n'));
  }
}

console.error('[ci] ==== failing end-to-end tests');
for (const file of failedFiles) {
  const rel = path.relative(process.cwd(), file.name);
  const failed = file.assertionResults.filter((test) => test.status === 'failed');
  if (failed.length === 0) {
    console.error(`[ci] FAILED ${rel} (the file itself: set-up, tear-down or compile)`);
    console.error(stripAnsi(file.message || '').split('\n').slice(0, MESSAGE_LINES).join('\n'));
  }
  for (const test of failed) {
    console.error(`[ci] FAILED ${rel} › ${test.fullName} (${Math.round((test.duration ?? 0) / 1000)} s)`);
    const message = stripAnsi(test.failureMessages.join('\n')).split('\n');
    console.error(message.slice(0, MESSAGE_LINES).join('\n'));
  }
  console.error(`[ci]   logs: ${path.join(artifacts, path.basename(file.name).replace(/\.test\.ts$/, ''))}`);
}
console.error(
  `[ci] end-to-end: ${results.numFailedTests} of ${results.numTotalTests} tests failed, ` +
    `in ${failedFiles.length} of ${results.numTotalTestSuites} files: ` +
    failedFiles.map((file) => path.basename(file.name)).join(', '),
);
