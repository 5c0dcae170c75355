import { AtpError } from '../kernel/index.ts'

/** The event loop's queue is full (or the loop is stopped): the input was not accepted. */
export class EventLoopOverloadError extends AtpError {
  constructor (message: string) { super('ERR_EVENT_LOOP_OVERLOAD', message) }
}

export class EventLoopStoppedError extends AtpError {
  constructor () { super('ERR_EVENT_LOOP_STOPPED', 'the event loop is stopped') }
}
