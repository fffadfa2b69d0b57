/**
 * Entry point of the Pulumi program (`main` in Pulumi.yaml, compiled to
 * build/stacks/pulumi/index.js by `npm run build`). Pulumi runs the exported
 * function and records what it returns as the stack outputs.
 */
import { deployPlatform } from './program';
import { projectDirectory, readStackSettings } from './stack-settings';

// The Pulumi Node.js runtime installs source-map-support, which rewrites every
// stack trace, and the SDK takes a stack trace per resource (for its source
// position). This program is compiled without source maps
// (tsconfig.build.json), so the rewriting finds nothing to map; in a CPU
// profile of a preview of 30 tenants it took a quarter of the program's time
// (docs/deploy.md#scale). V8's own formatter writes the frames the SDK parses.
delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;

export = async () => {
  // Relative paths in the stack configuration (tenants/, platform.yaml, the
  // kubeconfig) are relative to the project directory, as for `mlp synth`.
  process.chdir(projectDirectory());
  return deployPlatform(readStackSettings());
};
