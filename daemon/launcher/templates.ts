/**
 * Site config templates of a local federation (examples/federation/*.yaml): one file
 * per site, `{{site}}` placeholders for peer ids that exist only once keys are made.
 * Rendering creates each site's key (first run), fills the placeholders, pins dataDir
 * to an absolute path and validates the result like atpd will.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { loadOrCreateIdentity } from '../identity/identity.ts'
import { parseConfig } from '../config/load.ts'
import type { SiteConfig } from '../config/schema.ts'
import { TemplateError } from './errors.ts'

export interface SiteTemplate {
  readonly site: string
  readonly path: string
  readonly text: string
  /** Absolute data dir of the site (from the template's dataDir). */
  readonly dataDir: string
}

export interface RenderedSite {
  readonly site: string
  readonly peerId: string
  readonly created: boolean
  readonly yaml: string
  readonly config: SiteConfig
}

export function readTemplates (dir: string): SiteTemplate[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()
  } catch {
    throw new TemplateError(`cannot read federation templates in ${dir}`)
  }
  if (files.length === 0) throw new TemplateError(`no *.yaml site templates in ${dir}`)
  return files.map((f) => {
    const path = join(dir, f)
    const text = readFileSync(path, 'utf8')
    const dataDir = parseDocument(text).get('dataDir')
    if (typeof dataDir !== 'string') throw new TemplateError(`${path}: dataDir missing`)
    return { site: basename(f).replace(/\.ya?ml$/, ''), path, text, dataDir: resolve(dirname(path), dataDir) }
  })
}

export async function renderSites (templates: readonly SiteTemplate[]): Promise<RenderedSite[]> {
  const ids = new Map<string, { peerId: string, created: boolean }>()
  for (const t of templates) {
    const id = await loadOrCreateIdentity(t.dataDir)
    ids.set(t.site, { peerId: id.peerId, created: id.created })
  }
  return templates.map((t) => {
    const text = t.text.replace(/\{\{([a-z0-9-]+)\}\}/g, (whole, name: string) => {
      const id = ids.get(name)
      if (id === undefined) throw new TemplateError(`${t.path}: ${whole} names no site template`)
      return id.peerId
    })
    const doc = parseDocument(text)
    doc.set('dataDir', t.dataDir)
    const yaml = doc.toString()
    const config = parseConfig(yaml, t.path)
    const id = ids.get(t.site) ?? { peerId: '', created: false }
    return { site: t.site, peerId: id.peerId, created: id.created, yaml, config }
  })
}
