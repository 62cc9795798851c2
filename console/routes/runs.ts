import express from 'express';
import {
  type GeminiflowClient,
  InvalidRunFilterError,
  RunNotFoundError,
  RunWorkerUnavailableError,
} from '../../client';
import type { ApprovalRecord } from '../../workflows';
import { render } from '../views';

/**
 * Runs that wait on Gemini, or fan-outs with their published counts (filterable), and one run: what it waits for, its
 * stage, its fan-outs' live progress, its pending calls, its audit record.
 */
export function runRoutes(g: GeminiflowClient): express.Router {
  const router = express.Router();

  router.get('/runs', async (req, res) => {
    const type = typeof req.query.type === 'string' && req.query.type.trim() ? req.query.type.trim() : undefined;
    const all = req.query.all === 'on';
    // Fan-outs wait on their items, not on Gemini: with this filter, the running ones (or all of them).
    const fanOuts = req.query.fanOuts === 'on';
    const waitingFor = typeof req.query.waitingFor === 'string' ? req.query.waitingFor.trim() : '';
    let runs: Awaited<ReturnType<GeminiflowClient['listRuns']>> = [];
    let error: string | undefined;
    try {
      runs = await g.listRuns({ waiting: !all && !fanOuts, running: fanOuts && !all, fanOuts, type, limit: 200 });
    } catch (err) {
      if (!(err instanceof InvalidRunFilterError)) throw err;
      error = err.message;
    }
    if (waitingFor) runs = runs.filter((r) => r.waitingFor?.includes(waitingFor));
    const title = fanOuts ? (all ? 'Fan-outs' : 'Running fan-outs') : all ? 'Runs' : 'Runs waiting on Gemini';
    render(req, res, 'runs', { title, runs, filter: { type: type ?? '', all, fanOuts, waitingFor }, error });
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
    const log: ApprovalRecord[] | undefined = await g.approvalLog(workflowId).catch(() => undefined);
    render(req, res, 'run', { title: workflowId, run: status, log });
  });
  return router;
}
