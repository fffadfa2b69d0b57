/** jest globalSetup: one temporary directory per run (test/support/temporary-directories.ts). */
import { enterRunDirectory } from './temporary-directories';

export default function globalSetup(): void {
  enterRunDirectory();
}
