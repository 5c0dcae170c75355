// Fuzzing what a neighbor sends on `/atp/task/1.0.0`: the task frame decoder and the A2A
// payloads inside it. Whatever the bytes, decodeTaskFrame answers a frame (that
// round-trips) or a TaskDecodeError naming BadFrame or TooLarge, never a throw; the A2A
// decoders answer a value or throw an Error the hop turns into a task error. Scale with
// FUZZ_RUNS; the frame decoder and the A2A decoders get FUZZ_DECODER_RUNS inputs (a
// million in `npm run fuzz`).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeTaskFrame, encodeTaskFrame, TaskDecodeError } from '../../../agp/task/task-codec.ts'
import { InvalidArgumentError } from '../../../kernel/index.ts'
import { MAX_TASK_CHANNEL, MAX_TASK_DEADLINE_MS, MAX_TASK_HOPS, TaskErrorCode, type TaskFrame } from '../../../agp/task/task-frame.ts'
import { capability } from '../../helpers/frame-arbitraries.ts'
import { userMessage } from '../../../daemon/a2a/a2a-text.ts'
import { decodeA2aEvent, decodeA2aRequest, encodeA2aRequest } from '../../../daemon/dataplane/a2a-codec.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)
const MAX_BYTES = 4096

const org = fc.stringMatching(/^[a-z0-9-]{1,32}$/)
const payload = fc.uint8Array({ minLength: 1, maxLength: 64 })

const taskFrame: fc.Arbitrary<TaskFrame> = fc.oneof(
  fc.record({
    type: fc.constant('request' as const),
    taskId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
    capability,
    originOrg: org,
    agentId: fc.stringMatching(/^[a-z0-9-]{1,64}$/),
    deadlineMs: fc.integer({ min: 1, max: MAX_TASK_DEADLINE_MS }),
    hops: fc.integer({ min: 0, max: MAX_TASK_HOPS }),
    a2aRequest: payload,
    stream: fc.boolean(),
    consumerOrg: org
  }),
  fc.constant({ type: 'accepted' as const }),
  fc.record({ type: fc.constant('event' as const), a2aEvent: payload }),
  fc.record({
    type: fc.constant('end' as const),
    agentLatencyMs: fc.integer({ min: 0, max: 2 ** 31 }),
    costUsd: fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0),
    finalState: fc.integer({ min: 0, max: 9 })
  }),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.constantFrom(...Object.values(TaskErrorCode).filter((v): v is TaskErrorCode => typeof v === 'number')),
    text: fc.string({ maxLength: 200 }),
    org: fc.oneof(fc.constant(''), org)
  }),
  fc.constant({ type: 'cancel' as const })
)

/** Whatever the bytes: a frame that round-trips, or a TaskDecodeError with a hop's answer code. */
function checkNeverThrows (bytes: Uint8Array): void {
  const r = decodeTaskFrame(bytes, MAX_BYTES)
  if (r.ok) {
    expect(decodeTaskFrame(encodeTaskFrame(r.value, MAX_BYTES * 2, r.channel ?? 0), MAX_BYTES * 2)).toEqual(r)
  } else {
    expect(r.error).toBeInstanceOf(TaskDecodeError)
    expect([TaskErrorCode.BadFrame, TaskErrorCode.TooLarge]).toContain(r.error.taskCode)
  }
}

/** An A2A decoder either answers or throws an Error (caught by the hop), never anything else. */
function answersOrThrowsError (decode: (b: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes)
  } catch (err) {
    expect(err).toBeInstanceOf(Error)
  }
}

describe('task frame codec properties', () => {
  it('round-trips arbitrary valid frames', () => {
    fc.assert(fc.property(taskFrame, (f) => {
      expect(decodeTaskFrame(encodeTaskFrame(f, MAX_BYTES), MAX_BYTES)).toEqual({ ok: true, value: f })
    }), { numRuns })
  })

  it('round-trips the channel of a frame on a stream of many tasks; 0 stays implicit', () => {
    fc.assert(fc.property(taskFrame, fc.integer({ min: 0, max: MAX_TASK_CHANNEL }), (f, channel) => {
      const r = decodeTaskFrame(encodeTaskFrame(f, MAX_BYTES, channel), MAX_BYTES)
      expect(r).toEqual(channel === 0 ? { ok: true, value: f } : { ok: true, value: f, channel })
    }), { numRuns })
  })

  it('a channel that is not a uint32 is refused when encoding, never put on the wire', () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: MAX_TASK_CHANNEL + 1, max: Number.MAX_SAFE_INTEGER }), fc.double({ noInteger: true }))
    fc.assert(fc.property(taskFrame, bad, (f, channel) => {
      expect(() => encodeTaskFrame(f, MAX_BYTES, channel)).toThrow(InvalidArgumentError)
    }), { numRuns })
  })

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), checkNeverThrows), { numRuns: decoderRuns })
  })

  it('single-byte mutations and truncations of valid frames never throw', () => {
    fc.assert(fc.property(taskFrame, fc.nat(), fc.integer({ min: 0, max: 255 }), (f, at, value) => {
      const bytes = encodeTaskFrame(f, MAX_BYTES)
      if (bytes.length === 0) return
      const mutated = new Uint8Array(bytes)
      mutated[at % bytes.length] = value
      checkNeverThrows(mutated)
      checkNeverThrows(bytes.subarray(0, at % bytes.length))
    }), { numRuns: decoderRuns })
  })

  it('a frame over the bound is TooLarge before it is parsed', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 65, maxLength: 256 }), (bytes) => {
      const r = decodeTaskFrame(bytes, 64)
      expect(r.ok ? undefined : r.error.taskCode).toBe(TaskErrorCode.TooLarge)
    }), { numRuns })
  })
})

describe('A2A payloads inside task frames', () => {
  const request = encodeA2aRequest({ tenant: '', message: userMessage('hi'), configuration: undefined, metadata: undefined })

  it('random bytes and JSON: a request or event, or an Error', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc.json({ maxDepth: 4 }).map((j) => new TextEncoder().encode(j)),
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
        const m = new Uint8Array(request)
        m[at % m.length] = v
        return m
      })
    )
    fc.assert(fc.property(bytes, (b) => {
      answersOrThrowsError(decodeA2aRequest, b)
      answersOrThrowsError(decodeA2aEvent, b)
    }), { numRuns: decoderRuns })
  })

  it('deeply nested JSON is an Error, not a crash', () => {
    const deep = new TextEncoder().encode(`{"message":${'['.repeat(20_000)}${']'.repeat(20_000)}}`)
    answersOrThrowsError(decodeA2aRequest, deep)
    answersOrThrowsError(decodeA2aEvent, deep)
  })
})
