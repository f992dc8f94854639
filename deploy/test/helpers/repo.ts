/** Paths of the repository under test, wherever the tests run from. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEPLOY_DIR = join(REPO, 'deploy');
export const DEPLOY_SH = join(REPO, 'scripts/deploy.sh');
export const TEST_LOCAL_SH = join(REPO, 'scripts/test-local.sh');
export const FAKES = join(REPO, 'deploy/test/fakes');
