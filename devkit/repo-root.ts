/**
 * The repository's root directory, from the source tree (devkit/) and from
 * the compiled one (build/devkit/) alike.
 */
import * as fs from 'fs';
import * as path from 'path';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'Pulumi.yaml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no project root (package.json beside Pulumi.yaml) above ${start}`);
  }
}

export const REPO_ROOT = findRoot(__dirname);
