/** jest globalTeardown: removes the run's temporary directory (test/support/temporary-directories.ts). */
import { leaveRunDirectory } from './temporary-directories';

export default function globalTeardown(): void {
  leaveRunDirectory();
}
