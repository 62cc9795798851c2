import type { PublishedApprovals } from '../../contract';

/**
 * The memo stays small whatever the model proposes: Temporal limits a memo's size, and every listing of runs carries
 * it. Past this many bytes of JSON the calls' arguments are left out (their schema and rules stay, so a decision can
 * still be checked without a worker); the run's own query still shows them.
 */
export const publishedBytesMax = 64 * 1024;
const omitted = { omitted: 'too large to publish: the run shows them when its worker answers' };

export function boundedPublication(published: PublishedApprovals): PublishedApprovals {
  if (JSON.stringify(published).length <= publishedBytesMax) return published;
  const slim = {
    ...published,
    pending: published.pending.map((p) => ({
      ...p,
      arguments: omitted,
      ...(p.editedArguments ? { editedArguments: omitted } : {}),
    })),
  };
  if (JSON.stringify(slim).length <= publishedBytesMax) return slim;
  // Even the schemas do not fit: publish the calls' ids and rules only; a client then leaves edits to the run.
  return { ...slim, pending: slim.pending.map((p) => ({ ...p, argumentsSchema: {} })) };
}
