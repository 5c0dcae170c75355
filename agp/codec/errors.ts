/**
 * The codec's one error type. decodeFrame never throws: it returns this inside a
 * DecodeResult, carrying the NOTIFICATION (code, subcode) a session sends before it
 * closes (RFC 4271 §6: header errors, OPEN errors, UPDATE errors).
 */
import { AtpError } from '../../kernel/index.ts'
import { NotificationCode } from './frame.ts'

/** UPDATE error subcodes (RFC 4271 §6.3, where one fits, plus ours). */
export enum UpdateSubcode {
  MalformedAttributeList = 1,
  InvalidNetworkField = 10,
  MalformedRoute = 11,
  TooManyEntries = 12
}

/** Message header error subcodes (RFC 4271 §6.1, adapted to a length-prefixed protobuf stream). */
export enum HeaderSubcode {
  /** Bytes that do not parse as a Frame. */
  BadMessage = 1,
  BadMessageLength = 2,
  BadMessageType = 3,
  UnsupportedVersion = 4
}

export class FrameDecodeError extends AtpError {
  readonly notificationCode: NotificationCode
  readonly subcode: number
  constructor (message: string, notificationCode: NotificationCode, subcode: number, options?: { cause?: unknown }) {
    super('ERR_FRAME_DECODE', message, options)
    this.notificationCode = notificationCode
    this.subcode = subcode
  }
}

export type DecodeResult<T> =
  | { readonly ok: true, readonly value: T }
  | { readonly ok: false, readonly error: FrameDecodeError }

export function headerError (message: string, subcode: HeaderSubcode = HeaderSubcode.BadMessage, cause?: unknown): FrameDecodeError {
  return new FrameDecodeError(message, NotificationCode.MessageHeaderError, subcode, { cause })
}

export function updateError (message: string, subcode: UpdateSubcode = UpdateSubcode.MalformedRoute, cause?: unknown): FrameDecodeError {
  return new FrameDecodeError(message, NotificationCode.UpdateMessageError, subcode, { cause })
}

export function openError (message: string, subcode: number, cause?: unknown): FrameDecodeError {
  return new FrameDecodeError(message, NotificationCode.OpenMessageError, subcode, { cause })
}
