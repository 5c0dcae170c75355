export { AgpTransport, AGP_PROTOCOL, type AgpTransportComponents, type AgpTransportInit, type AgpTransportObserver, type TransportSink, type TransportPeerStats } from './agp-transport.ts'
export { FrameChannel, ChannelOverflowError, type FrameChannelInit } from './frame-channel.ts'
export { createLibp2pNode, KAD_PROTOCOL, type Libp2pNodeInit } from './libp2p-node.ts'
