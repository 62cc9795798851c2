import express from 'express';
import { type GeminiflowClient, RunNotFoundError, RunWorkerUnavailableError } from '../../client';
import type { ApprovalRecord } from '../../workflows';
import { runsPage } from '../runs-page';
import { timelineView } from '../timeline-view';
import { render } from '../views';

/**
 * Recent runs, filterable and paged, and one run: what it waits for, its stage, its fan-outs' live progress, its
 * pending calls, its timeline, its audit record.
 */
export function runRoutes(g: GeminiflowClient): express.Router {
  const router = express.Router();

  router.get('/runs', async (req, res) => {
    render(req, res, 'runs', await runsPage(g, req.query));
  });

  router.get('/runs/*rest', async (req, res) => {
    const workflowId = ((req.params as { rest?: string[] }).rest ?? []).join('/');
    let status: Awaited<ReturnType<typeof g.runStatus>>;
    try {
      status = await g.runStatus(workflowId);
    } catch (err) {
      if (err instanceof RunWorkerUnavailableError) {
        res.status(503);
        return render(req, res, 'error', { title: 'Its worker does not answer', message: err.message });
      }
      if (!(err instanceof RunNotFoundError)) throw err;
      res.status(404);
      return render(req, res, 'error', { title: 'No such run', message: err.message });
    }
    const [log, timeline] = await Promise.all([
      g.approvalLog(workflowId).catch((): ApprovalRecord[] | undefined => undefined),
      // The page still shows what it can when the histories cannot be read; the error says why.
      g.timeline(workflowId).then(timelineView, (err: Error) => ({ error: err.message })),
    ]);
    render(req, res, 'run', { title: workflowId, run: status, log, timeline, wide: true });
  });
  return router;
}
