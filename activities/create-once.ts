import { Context } from '@temporalio/activity';

/**
 * Gemini's create calls are not idempotent, so the new resource is heartbeated the moment it exists: a retry of the
 * same activity (after a worker crash) finds it in its heartbeat details and reads it back instead of creating a second
 * one. `key` names the detail field, so each activity's saved details keep their shape.
 */
export async function createOnce<Created, Result>(
  key: string,
  create: () => Promise<{ id: Created; result: Result }>,
  readBack: (id: Created) => Promise<Result>,
): Promise<Result> {
  const ctx = Context.current();
  const prior = (ctx.info.heartbeatDetails as Record<string, Created> | undefined)?.[key];
  if (prior) return readBack(prior);
  const { id, result } = await create();
  ctx.heartbeat({ [key]: id });
  return result;
}
