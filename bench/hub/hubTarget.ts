// Placeholder until the hub CLI lands; replaced with the real target.
import type { Target } from './targets';
export async function startHubTarget(_root: string, _dir: string): Promise<Target> {
  throw new Error('hub target not wired yet');
}
