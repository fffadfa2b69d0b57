#!/usr/bin/env node
'use strict';
// Entry point of the `mlp` command. It runs the JavaScript that `npm run build` compiles from the
// TypeScript sources into build/ (`npm ci` builds through the prepare script). In a source checkout
// it first makes sure that build/ exists and was compiled from the sources as they are now, so that
// an edit to lib/ (or any other source folder) without a build is never synthesized with the old code: it then stops with a
// one-line message (exit status 2) rather than rebuilding, because a build takes seconds to a minute,
// needs the dev dependencies and can fail with type errors, none of which a user of `mlp synth` or
// `mlp synth --check` should meet unannounced. An installed package (no .ts sources beside build/)
// is not checked.
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const BUILD = path.join(ROOT, 'build');
/** The source folders compiled into build/ that the command runs (tsconfig.build.json; docs/architecture.md). */
const SOURCE_DIRS = ['lib', 'config', 'policy', 'stacks', 'synthesis', 'review', 'deploy', 'cli'];
/** tsc's record of the last build (tsconfig.build.json): the time it was written, and a hash of every source it compiled. */
const BUILD_INFO = path.join(BUILD, '.tsbuildinfo.build');

/** Every .ts file below the source folders, with its modification time. */
function sources() {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) found.push({ file: full, mtimeMs: fs.statSync(full).mtimeMs });
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(ROOT, dir));
  return found;
}

/**
 * The first source that build/ was not compiled from, or undefined. Fast path: no source is newer
 * than the build info (one stat per file, about 2 ms for the 55 sources). A newer source counts
 * only when its text differs from what tsc compiled: tsc records the SHA-256 of each source's text
 * as its version in the build info, and does not rewrite the build info when a touched file's text
 * is unchanged (a `git checkout` back and forth), so time alone would complain for ever.
 */
function staleSource() {
  const built = fs.statSync(BUILD_INFO, { throwIfNoEntry: false }) ?? fs.statSync(path.join(BUILD, 'cli', 'mlp.js'));
  const newer = sources()
    .filter((source) => source.mtimeMs > built.mtimeMs)
    .sort((a, b) => b.mtimeMs - a.mtimeMs || (a.file < b.file ? -1 : 1));
  if (newer.length === 0) return undefined;
  let versions;
  try {
    const info = JSON.parse(fs.readFileSync(BUILD_INFO, 'utf8'));
    versions = new Map(info.fileNames.map((name, index) => [path.resolve(BUILD, name), info.fileInfos[index]]));
  } catch {
    return newer[0].file; // no build info to compare with: trust the times
  }
  const crypto = require('crypto');
  return newer.find((source) => {
    const recorded = versions.get(source.file);
    const version = typeof recorded === 'string' ? recorded : recorded?.version;
    return version !== crypto.createHash('sha256').update(fs.readFileSync(source.file, 'utf8')).digest('hex');
  })?.file;
}

function fail(message) {
  process.stderr.write(`mlp: ${message}\n`);
  process.exitCode = 2;
}

const checkout = fs.existsSync(path.join(ROOT, 'cli', 'mlp.ts'));
if (!fs.existsSync(path.join(BUILD, 'cli', 'mlp.js'))) {
  fail(
    checkout
      ? 'build/ is missing: the TypeScript sources are not compiled yet; run `npm ci` (installs and builds) or, when node_modules/ is installed, `npm run build`'
      : 'build/ is missing from this installation of mlp; install it again',
  );
} else {
  // Help and the version print no manifests: they answer even from a stale build.
  const args = process.argv.slice(2);
  const helpOnly = args.length > 0 && (['help', '--version', '-V'].includes(args[0]) || args.includes('--help') || args.includes('-h'));
  const stale = checkout && !helpOnly ? staleSource() : undefined;
  if (stale !== undefined) {
    fail(`build/ is older than ${path.relative(ROOT, stale).split(path.sep).join('/')}; run \`npm run build\``);
  } else {
    const { main } = require('../build/cli/mlp.js');
    // deploy and preview answer with a promise of the status (they wait for pulumi processes).
    Promise.resolve(main(process.argv.slice(2))).then((status) => {
      process.exitCode = status;
    });
  }
}
