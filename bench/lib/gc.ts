/**
 * A full garbage collection on demand, without starting node with --expose-gc: so a timed trial
 * never pays (on this thread or the GC's helper threads) for the garbage of the trial before it.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | undefined;

/** Runs `rounds` full collections (the second and third catch what finalizers of the first freed). */
export function fullGc(rounds = 3): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < rounds; i++) gcFn();
}
