/**
 * Entry point of the Pulumi program (`main` in Pulumi.yaml, compiled to
 * build/stacks/pulumi/index.js by `npm run build`). Pulumi runs the exported
 * function and records what it returns as the stack outputs.
 */
import { deployPlatform } from './program';
import { projectDirectory, readStackSettings } from './stack-settings';

export = async () => {
  // Relative paths in the stack configuration (tenants/, platform.yaml, the
  // kubeconfig) are relative to the project directory, as for `mlp synth`.
  process.chdir(projectDirectory());
  return deployPlatform(readStackSettings());
};
