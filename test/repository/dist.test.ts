/**
 * The one test that reads the repository's own tenants/ and platform.yaml:
 * the committed dist/ must be what `mlp synth` writes for them. Every other
 * test uses test/fixtures/ or builds its inputs, so that a platform team can
 * replace the example tenants (test/repository/own-tenants.test.ts proves it).
 */
import * as path from 'path';
import { loadConfig } from '../../config/load';
import { OUTPUT_MARKER, OUTPUT_MARKER_TEXT, compareTree } from '../../synthesis/output-tree';
import { synthesizeAll } from '../../stacks/synth';
import { renderGroups } from '../../synthesis/render';
import { REPO_ROOT } from '../support/fixtures';

/** What `mlp synth` writes for the repository's tenants, run from the repository root as the README says. */
function repositoryFiles(): Map<string, string> {
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  try {
    return renderGroups(synthesizeAll(loadConfig({ platformFile: 'platform.yaml', tenantsDir: 'tenants' })));
  } finally {
    process.chdir(cwd);
  }
}

describe('the repository', () => {
  test('has a committed dist/ that matches its tenants, platform and constructs (run `npm run synth` after changing them)', () => {
    const files = repositoryFiles();
    expect(files.size).toBeGreaterThan(0);
    expect(compareTree(path.join(REPO_ROOT, 'dist'), new Map([...files, [OUTPUT_MARKER, OUTPUT_MARKER_TEXT]]))).toEqual({ missing: [], extra: [], changed: [] });
  });
});
