/**
 * Resource id → the workflow that recorded it, for the receiver's owner lookup: a visibility query costs more as runs
 * accumulate (and lags behind), while a resource's owner never changes. Filled only from lookups (the search
 * attribute only our own runs write), checked before the query, and bounded: least recently used entries go first.
 * An entry whose workflow has closed is forgotten by the caller when the signal finds it gone.
 */
export class OwnerCache {
  private readonly owners = new Map<string, string>();

  constructor(private readonly capacity = 50_000) {}

  get(resourceId: string): string | undefined {
    const workflowId = this.owners.get(resourceId);
    if (workflowId !== undefined) {
      this.owners.delete(resourceId);
      this.owners.set(resourceId, workflowId);
    }
    return workflowId;
  }

  remember(resourceId: string, workflowId: string): void {
    this.owners.delete(resourceId);
    this.owners.set(resourceId, workflowId);
    if (this.owners.size > this.capacity) this.owners.delete(this.owners.keys().next().value!);
  }

  forget(resourceId: string): void {
    this.owners.delete(resourceId);
  }

  get size(): number {
    return this.owners.size;
  }
}
