/**
 * The folder layout of docs/architecture.md holds: every source folder
 * imports only from the folders below it, lib/ uses no files, zod or
 * Pulumi, and only the Pulumi program and the command line load the Pulumi
 * SDK.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/fixtures';
import { FREE_FOLDERS, ImportRef, SOURCE_FOLDERS, checkImport, folderOf, importsOf } from './import-rules';

/** Every .ts file below the source folders, relative to the repository root. */
function sourceFiles(): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) found.push(child);
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return found.sort();
}

describe('import rules', () => {
  const files = sourceFiles();
  const imports: ImportRef[] = files.flatMap((file) => importsOf(file, fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')));

  test('every source import follows the direction of docs/architecture.md', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(imports.map(checkImport).filter((problem) => problem !== undefined)).toEqual([]);
  });

  test('the scan sees imports of our own code in every folder, and the Pulumi SDK in stacks/pulumi', () => {
    const relativeFrom = new Set(imports.filter((ref) => ref.specifier.startsWith('.')).map((ref) => folderOf(ref.file)));
    expect([...relativeFrom].sort()).toEqual(['cli', 'config', 'deploy', 'lib', 'policy', 'review', 'stacks', 'stacks/pulumi', 'synthesis']);
    const pulumi = imports.filter((ref) => ref.specifier.startsWith('@pulumi/'));
    expect(pulumi.length).toBeGreaterThan(0);
    expect([...new Set(pulumi.map((ref) => folderOf(ref.file)))]).toEqual(['stacks/pulumi']);
  });

  test('tsconfig.build.json and the stale-build check of bin/mlp.js cover exactly the source folders and the free ones', () => {
    const build = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include.map((pattern) => pattern.split('/')[0]).sort()).toEqual([...SOURCE_FOLDERS, ...FREE_FOLDERS.filter((folder) => folder !== 'test')].sort());
    const bin = fs.readFileSync(path.join(REPO_ROOT, 'bin', 'mlp.js'), 'utf8');
    const listed = /const SOURCE_DIRS = \[([^\]]*)\]/.exec(bin)?.[1];
    expect(listed?.split(',').map((name) => name.trim().replace(/'/g, ''))).toEqual([...SOURCE_FOLDERS]);
  });

  describe('the checker', () => {
    const check = (file: string, text: string) => importsOf(file, text).map(checkImport);

    test('finds imports, re-exports, type imports, require() and import() with their lines', () => {
      const text = "import { a } from './a';\nexport * from '../config/b';\nimport type { C } from 'c';\nconst d = require('./d');\nvoid import('./e');\n";
      expect(importsOf('lib/x.ts', text)).toEqual([
        { file: 'lib/x.ts', line: 1, specifier: './a' },
        { file: 'lib/x.ts', line: 2, specifier: '../config/b' },
        { file: 'lib/x.ts', line: 3, specifier: 'c' },
        { file: 'lib/x.ts', line: 4, specifier: './d' },
        { file: 'lib/x.ts', line: 5, specifier: './e' },
      ]);
    });

    test('fails when a folder imports upward, naming file, line, import and rule', () => {
      expect(check('config/schema/policy-waiver.ts', "import { z } from 'zod';\nimport { POLICY_IDS } from '../../policy/catalog';\n")).toEqual([
        undefined,
        "config/schema/policy-waiver.ts:2: imports '../../policy/catalog' from policy/, but config/ may import only from lib/ besides itself (docs/architecture.md); move the shared code down to a folder both may import",
      ]);
      expect(check('lib/monitoring-stack.ts', "import { PROMETHEUS_DURATION } from '../config/schema/common';")).toEqual([
        "lib/monitoring-stack.ts:1: imports '../config/schema/common' from config/, but lib/ may import nothing of ours besides itself (docs/architecture.md); move the shared code down to a folder both may import",
      ]);
      expect(check('stacks/synth.ts', "import { manifestYaml } from '../synthesis/manifest-yaml';")).toEqual([
        "stacks/synth.ts:1: imports '../synthesis/manifest-yaml' from synthesis/, but stacks/ may import only from policy/, config/, lib/ besides itself (docs/architecture.md); move the shared code down to a folder both may import",
      ]);
    });

    test('fails when code outside stacks/pulumi imports it or the Pulumi SDK', () => {
      expect(check('review/semantic-diff.ts', "import { settings } from '../stacks/pulumi/stack-settings';\nimport * as pulumi from '@pulumi/pulumi';")).toEqual([
        "review/semantic-diff.ts:1: imports '../stacks/pulumi/stack-settings' from stacks/pulumi/, but review/ may import only from stacks/, policy/, config/, lib/ besides itself (docs/architecture.md); move the shared code down to a folder both may import",
        "review/semantic-diff.ts:2: imports '@pulumi/pulumi', but only stacks/pulumi/ and cli/ may use the Pulumi SDK (docs/architecture.md); synthesis and review work on plain objects",
      ]);
      expect(check('stacks/pulumi/tenant.ts', "import * as pulumi from '@pulumi/pulumi';\nimport { KubeObject } from '../synth';\nimport { loadConfig } from '../../config/load';")).toEqual([undefined, undefined, undefined]);
    });

    test('fails when lib/ uses files, zod or Pulumi, and lets it use pure built-ins', () => {
      expect(check('lib/x.ts', "import * as fs from 'fs';\nimport { readFileSync } from 'node:fs';\nimport { z } from 'zod';\nimport * as k8s from '@pulumi/kubernetes';\nimport { isIP } from 'net';\nimport { Chart } from 'cdk8s';")).toEqual([
        "lib/x.ts:1: imports 'fs', but lib/ (constructs) may use only the Node built-ins crypto, net, util: files and processes belong in config/ or synthesis/ (docs/architecture.md)",
        "lib/x.ts:2: imports 'node:fs', but lib/ (constructs) may use only the Node built-ins crypto, net, util: files and processes belong in config/ or synthesis/ (docs/architecture.md)",
        "lib/x.ts:3: imports 'zod', but lib/ (constructs) may not use zod: file schemas belong in config/schema/ (docs/architecture.md)",
        "lib/x.ts:4: imports '@pulumi/kubernetes', but only stacks/pulumi/ and cli/ may use the Pulumi SDK (docs/architecture.md); synthesis and review work on plain objects",
        undefined,
        undefined,
      ]);
    });

    test('fails when a source folder imports tests, benchmarks or the devkit, and lets those import anything', () => {
      expect(check('cli/mlp.ts', "import { REPO_ROOT } from '../devkit/repo-root';")).toEqual([
        "cli/mlp.ts:1: imports '../devkit/repo-root' (devkit/repo-root), outside the source folders; cli/ may import only from cli/, deploy/, review/, synthesis/, stacks/, policy/, config/, lib/ (docs/architecture.md)",
      ]);
      expect(check('bench/run.ts', "import { program } from '../stacks/pulumi/program';\nimport * as pulumi from '@pulumi/pulumi';")).toEqual([undefined, undefined]);
      expect(check('test/lib/x.test.ts', "import { loadConfig } from '../../config/load';")).toEqual([undefined]);
    });
  });
});
