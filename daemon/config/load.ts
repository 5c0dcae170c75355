/**
 * Reading a site config: YAML text → schema → cross-field checks → SiteConfig, with
 * a ConfigError naming every bad field. A relative dataDir is resolved against the
 * folder of the config file, so a config works from any working directory.
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { checkConfig } from './checks.ts'
import { ConfigError, formatIssue, formatPath, type ConfigIssue } from './config-error.ts'
import { closest, keysAt } from './did-you-mean.ts'
import { siteConfigSchema, type SiteConfig } from './schema.ts'

export interface ParsedConfig {
  readonly config: SiteConfig
  readonly warnings: readonly string[]
}

export interface ParseOptions {
  /** Folder a relative dataDir is resolved against (default: the source's folder). */
  readonly baseDir?: string
}

/** Parses and validates; throws ConfigError. Warnings are returned as formatted lines. */
export function parseConfigWithWarnings (text: string, sourceName: string, options: ParseOptions = {}): ParsedConfig {
  const raw = parseConfigText(text, sourceName)
  const result = siteConfigSchema.safeParse(raw)
  if (!result.success) throw new ConfigError(zodIssues(result.error, siteConfigSchema), sourceName)
  const { errors, warnings } = checkConfig(result.data)
  if (errors.length > 0) throw new ConfigError(errors, sourceName)
  const baseDir = options.baseDir ?? dirname(resolve(sourceName))
  const dataDir = isAbsolute(result.data.dataDir) ? result.data.dataDir : resolve(baseDir, result.data.dataDir)
  return {
    config: { ...result.data, dataDir },
    warnings: warnings.map((w) => formatIssue(w).replace(/^config error: /, 'config warning: '))
  }
}

export function parseConfig (text: string, sourceName: string, options: ParseOptions = {}): SiteConfig {
  return parseConfigWithWarnings(text, sourceName, options).config
}

export function readConfig (path: string): ParsedConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read failed'
    throw new ConfigError([{ path: '', reason: `cannot read ${path} (${code})` }], path)
  }
  return parseConfigWithWarnings(text, path)
}

export function loadConfig (path: string): SiteConfig {
  return readConfig(path).config
}

/**
 * JSON is YAML 1.2 with the same meaning, and machine-written configs (the launcher's,
 * a site with 100,000 agents) are JSON: JSON.parse reads those in under a second where
 * the YAML parser takes about a minute. Anything JSON.parse refuses (YAML flow style,
 * a typo) goes through the YAML parser, which reports the line and column.
 */
function parseConfigText (text: string, sourceName: string): unknown {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as unknown
    } catch { /* not JSON after all */ }
  }
  return parseYaml(text, sourceName)
}

function parseYaml (text: string, sourceName: string): unknown {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter })
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0])
      const where = `${sourceName}:${pos.line}:${pos.col}`
      return { path: '', reason: `${where}: invalid YAML: ${e.message.split('\n')[0] ?? e.code}` }
    }), sourceName)
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    // Well-formed YAML can still fail to resolve: an alias to no anchor, or an alias bomb.
    const reason = err instanceof Error ? err.message.split('\n')[0] ?? err.name : String(err)
    throw new ConfigError([{ path: '', reason: `${sourceName}: invalid YAML: ${reason}` }], sourceName)
  }
  if (value === null || value === undefined) {
    throw new ConfigError([{ path: '', reason: `${sourceName} is empty` }], sourceName)
  }
  return value
}

/**
 * Maps zod issues to ConfigIssues; unknown keys get one issue each, with the closest
 * known key when `schema` (the schema that was parsed) is given.
 */
export function zodIssues (error: z.ZodError, schema?: z.ZodType): ConfigIssue[] {
  return issuesOf(error.issues, [], schema)
}

/**
 * An entry that matches no branch of a union (agents[]: with or without `a2a`) is
 * reported with the issues of the branch it came closest to (fewest issues), so the
 * message names the field, not just "invalid input".
 */
function issuesOf (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[], schema?: z.ZodType): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const raw of issues) {
    const issue = { ...raw, path: [...prefix, ...raw.path] } as z.core.$ZodIssue
    const path = formatPath(issue.path)
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const nearest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? []
      out.push(...issuesOf(nearest, issue.path, schema))
    } else if (issue.code === 'unrecognized_keys') {
      const known = schema !== undefined ? keysAt(schema, issue.path) : []
      for (const key of issue.keys) {
        const hint = closest(key, known)
        out.push({ path: path === '' ? key : `${path}.${key}`, reason: hint !== undefined ? `unknown key (did you mean '${hint}'?)` : 'unknown key' })
      }
    } else if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      out.push({ path, reason: 'required' })
    } else {
      out.push({ path, reason: issue.message.replace(/^Invalid input: /, '') })
    }
  }
  return out
}
