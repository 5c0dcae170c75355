/**
 * The A2A task store of the daemon's endpoint (@a2a-js/sdk TaskStore): tasks by id,
 * bounded. Past `maxTasks` the least recently saved task is forgotten (a later
 * tasks/get for it answers "task not found"), so a busy endpoint cannot grow without
 * end. Tasks live in memory only: a restart forgets them, as the SDK's own store does.
 */
import type { ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk'
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server'

export class BoundedTaskStore implements TaskStore {
  private readonly tasks = new Map<string, Task>()

  constructor (private readonly maxTasks: number) {}

  get size (): number { return this.tasks.size }

  async save (task: Task, _context: ServerCallContext): Promise<void> {
    this.tasks.delete(task.id)
    this.tasks.set(task.id, structuredClone(task))
    if (this.tasks.size > this.maxTasks) this.tasks.delete(this.tasks.keys().next().value as string)
  }

  async load (taskId: string, _context: ServerCallContext): Promise<Task | undefined> {
    const task = this.tasks.get(taskId)
    return task === undefined ? undefined : structuredClone(task)
  }

  async list (params: ListTasksRequest, _context: ServerCallContext): Promise<ListTasksResponse> {
    const pageSize = Math.min(Math.max(params.pageSize ?? 50, 1), 100)
    const all = [...this.tasks.values()].reverse()
      .filter((t) => (params.contextId === '' || t.contextId === params.contextId) && (params.status === 0 || t.status?.state === params.status))
    const start = params.pageToken === '' ? 0 : Number.parseInt(params.pageToken, 10) || 0
    const tasks = all.slice(start, start + pageSize).map((t) => structuredClone(t))
    return { tasks, nextPageToken: start + pageSize < all.length ? String(start + pageSize) : '', pageSize, totalSize: all.length }
  }
}
