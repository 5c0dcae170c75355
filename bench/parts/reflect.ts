/**
 * Contract part `reflect`: atpd's real daemons (bench/reflect/atpd.ts) and, with
 * --with-bird, BIRD 2 in the same shape right after (bench/reflect/bird.ts), with the
 * ratios atpd / BIRD.
 */
import { runAtpdReflect } from '../reflect/atpd.ts'
import { birdBinary, runBirdReflect } from '../reflect/bird.ts'
import { round3 } from '../reflect/shape.ts'

export async function reflectPart (routes: number, withBird: boolean, progress: (s: string) => void): Promise<Record<string, unknown>> {
  const atpd = await runAtpdReflect(routes, progress)
  if (!withBird) return { ...atpd }
  if (birdBinary() === undefined) return { ...atpd, bird: { error: 'BIRD 2 is not installed (apt-get install bird2)' } }
  progress('reflect: BIRD in the same shape')
  const bird = await runBirdReflect(routes, progress)
  return {
    ...atpd,
    bird,
    ratios: {
      routesPerSecondPerReceiver: bird.routesPerSecondPerReceiver > 0 ? round3(atpd.routesPerSecondPerReceiver / bird.routesPerSecondPerReceiver) : null,
      bytesPerRoute: bird.bytesPerRoute > 0 ? round3(atpd.bytesPerRoute / bird.bytesPerRoute) : null,
      reflectorCpuSeconds: bird.reflectorCpuSeconds > 0 ? round3(atpd.reflectorCpuSeconds / bird.reflectorCpuSeconds) : null
    }
  }
}
