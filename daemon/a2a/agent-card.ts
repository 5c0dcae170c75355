/**
 * A2A agent cards for text agents served over the JSON-RPC binding (spec v1.0), as
 * the daemon's capability endpoints and the demo agents publish them.
 */
import type { AgentCard } from '@a2a-js/sdk'

export interface TextAgentCardInit {
  readonly name: string
  readonly description: string
  /** The JSON-RPC endpoint. */
  readonly url: string
  readonly organization: string
  readonly skills: readonly { readonly id: string, readonly description: string, readonly tags: readonly string[] }[]
}

export function textAgentCard (init: TextAgentCardInit): AgentCard {
  return {
    name: init.name,
    description: init.description,
    supportedInterfaces: [{ url: init.url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: { organization: init.organization, url: init.url },
    version: '1.0.0',
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: init.skills.map((s) => ({
      id: s.id, name: s.id, description: s.description, tags: [...s.tags], examples: [], inputModes: [], outputModes: [], securityRequirements: []
    })),
    signatures: []
  }
}
