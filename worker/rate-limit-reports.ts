import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { logger } from '../common/logger';
import { fanOutMemoKey, fanOutRateLimitedSignal, isRateLimited } from '../contract';

/** One report per fan-out and worker process in this time: a wave of refused calls is one piece of news. */
const reportEveryMs = 5_000;
const remembered = 10_000;

/**
 * Tells a fan-out when an activity of one of its children was refused by a Gemini rate limit (429 /
 * RESOURCE_EXHAUSTED), so it shrinks its window while the activity's retry policy backs off. The fan-out is found
 * through the child's memo (`fanOutWorkflowId`); runs that no fan-out started are left alone. Reporting is best
 * effort: it never changes what the activity itself returns or throws.
 */
export function rateLimitReports(): ActivityInterceptorsFactory {
  const fanOutOf = new Map<string, string | null>();
  const reportedAt = new Map<string, number>();

  const findFanOut = async (ctx: Context, workflowId: string): Promise<string | null> => {
    if (fanOutOf.has(workflowId)) return fanOutOf.get(workflowId)!;
    const { memo } = await ctx.client.workflow.getHandle(workflowId).describe();
    const fanOut = typeof memo?.[fanOutMemoKey] === 'string' ? (memo[fanOutMemoKey] as string) : null;
    if (fanOutOf.size >= remembered) fanOutOf.clear();
    fanOutOf.set(workflowId, fanOut);
    return fanOut;
  };

  const report = async (ctx: Context): Promise<void> => {
    const execution = ctx.info.workflowExecution;
    if (!execution) return;
    const fanOut = await findFanOut(ctx, execution.workflowId);
    if (!fanOut) return;
    const now = Date.now();
    if (now - (reportedAt.get(fanOut) ?? 0) < reportEveryMs) return;
    reportedAt.set(fanOut, now);
    if (reportedAt.size >= remembered) reportedAt.clear();
    await ctx.client.workflow.getHandle(fanOut).signal(fanOutRateLimitedSignal, {
      workflowId: execution.workflowId,
      activityType: ctx.info.activityType,
      at: new Date(now).toISOString(),
    });
  };

  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          if (isRateLimited(err)) {
            report(ctx).catch((reportErr: unknown) =>
              logger.debug({ err: String(reportErr) }, 'could not report a rate limit to the fan-out'),
            );
          }
          throw err;
        }
      },
    },
  });
}
