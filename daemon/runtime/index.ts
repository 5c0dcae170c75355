export { systemClock } from './clock.ts'
export { systemRandom } from './random.ts'
export { systemScheduler } from './system-scheduler.ts'
