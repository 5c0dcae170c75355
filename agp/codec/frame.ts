/**
 * Session frames of `/agp/1.0.0`, as plain data. agp/proto/agp.proto is the wire
 * form; agp/codec/frame-codec.ts maps between the two (encodeFrame/decodeFrame).
 */
import type { BatchRefresh } from '../route/batch-refresh.ts'
import type { Route, WithdrawnPath } from '../route/route.ts'

/** Protocol version carried in every frame; a frame with another version is refused. */
export const AGP_VERSION = 1

/** Largest frame accepted or produced, in bytes (the length prefix excluded). */
export const MAX_FRAME_BYTES = 1024 * 1024

/**
 * What a neighbor is to us. External (another org's daemon, or the federation's
 * reflectors): reflector, client, peer, partner. Internal (another site of our own
 * org, iBGP's idea): site (full mesh), site-reflector (reflects for us inside the
 * org), site-client (we reflect for it inside the org, RFC 4456 within the org).
 */
export const INTERNAL_ROLES = Object.freeze(['site', 'site-reflector', 'site-client'] as const)
export type InternalRole = typeof INTERNAL_ROLES[number]
/** Every neighbor role: the one list that config, policy and the API's schemas check against. */
export const NEIGHBOR_ROLES = Object.freeze(['reflector', 'client', 'peer', 'partner', ...INTERNAL_ROLES] as const)
export type NeighborRole = typeof NEIGHBOR_ROLES[number]

/** Is the neighbor another site of our own org? */
export function isInternalRole (role: NeighborRole | 'local'): role is InternalRole {
  return role === 'site' || role === 'site-reflector' || role === 'site-client'
}
export type SpeakerRole = 'peer' | 'reflector'

export interface OpenFrame {
  readonly type: 'open'
  readonly org: string
  /** The sender's site in its org (its org id when it names none). */
  readonly site: string
  readonly role: SpeakerRole
  /** Cluster id of a reflector; '' for a peer. */
  readonly cluster: string
  readonly holdTimeS: number
  /** Optional features the sender supports (e.g. 'graceful-restart', 'route-refresh'). */
  readonly capabilities: readonly string[]
  /** Capability prefixes the sender wants (RFC 4684's idea); empty = everything. */
  readonly interests: readonly string[]
}

export interface KeepaliveFrame { readonly type: 'keepalive' }

export interface UpdateFrame {
  readonly type: 'update'
  readonly announces: readonly Route[]
  readonly withdraws: readonly WithdrawnPath[]
  /** Batch refreshes, applied after the withdraws and announces; absent = none. */
  readonly refreshes?: readonly BatchRefresh[]
}

export interface EndOfRibFrame { readonly type: 'end-of-rib' }

/**
 * Asks the receiver to send its Adj-RIB-Out again. When `interests` is present it
 * also replaces the sender's interests (an outbound route filter, RFC 5291's idea).
 */
export interface RouteRefreshFrame {
  readonly type: 'route-refresh'
  readonly interests?: readonly string[]
}

export interface NotificationFrame {
  readonly type: 'notification'
  readonly code: NotificationCode
  readonly subcode: number
  readonly text: string
}

export type Frame = OpenFrame | KeepaliveFrame | UpdateFrame | EndOfRibFrame | RouteRefreshFrame | NotificationFrame

/** NOTIFICATION codes (BGP's, RFC 4271 §4.5, where one fits). */
export enum NotificationCode {
  MessageHeaderError = 1,
  OpenMessageError = 2,
  UpdateMessageError = 3,
  HoldTimerExpired = 4,
  FsmError = 5,
  Cease = 6
}

/** Cease subcodes (RFC 4486). */
export enum CeaseSubcode {
  MaxPrefixesReached = 1,
  AdministrativeShutdown = 2,
  PeerDeconfigured = 3,
  AdministrativeReset = 4,
  ConnectionRejected = 5,
  OtherConfigurationChange = 6,
  ConnectionCollisionResolution = 7,
  OutOfResources = 8
}

/** OPEN error subcodes (RFC 4271 §6.2, plus ours). */
export enum OpenSubcode {
  UnsupportedVersion = 1,
  BadPeerOrg = 2,
  BadPeerId = 3,
  UnacceptableHoldTime = 6,
  RoleMismatch = 11
}
