/**
 * jest's Node.js environment, with a temporary directory per test file
 * (test/support/temporary-directories.ts) that is removed after the file's
 * last hook has run.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { enterFileDirectory } from './temporary-directories';

export default class TemporaryDirectoryEnvironment extends NodeEnvironment {
  private readonly leaveFileDirectory: () => void;

  public constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    // Before super(): NodeEnvironment gives the test a copy of process.env taken now.
    const { leave } = enterFileDirectory(context.testPath);
    super(config, context);
    this.leaveFileDirectory = leave;
  }

  public override async teardown(): Promise<void> {
    await super.teardown();
    this.leaveFileDirectory();
  }
}
