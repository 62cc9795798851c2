import express from 'express';
import { type GeminiflowClient, InvalidRunFilterError, RunNotFoundError } from '../../client';
import type { ApprovalRecord } from '../../workflows';
import { render } from '../views';

/** Runs that wait on Gemini (filterable), and one run: what it waits for, its stage, its pending calls, its audit record. */
export function runRoutes(g: GeminiflowClient): express.Router {
  const router = express.Router();

  router.get('/runs', async (req, res) => {
    const type = typeof req.query.type === 'string' && req.query.type.trim() ? req.query.type.trim() : undefined;
    const all = req.query.all === 'on';
    const waitingFor = typeof req.query.waitingFor === 'string' ? req.query.waitingFor.trim() : '';
    let runs: Awaited<ReturnType<GeminiflowClient['listRuns']>> = [];
    let error: string | undefined;
    try {
      runs = await g.listRuns({ waiting: !all, type, limit: 200 });
    } catch (err) {
      if (!(err instanceof InvalidRunFilterError)) throw err;
      error = err.message;
    }
    if (waitingFor) runs = runs.filter((r) => r.waitingFor?.includes(waitingFor));
    render(req, res, 'runs', { title: all ? 'Runs' : 'Runs waiting on Gemini', runs, filter: { type: type ?? '', all, waitingFor }, error });
  });

  router.get('/runs/*rest', async (req, res) => {
    const workflowId = ((req.params as { rest?: string[] }).rest ?? []).join('/');
    let status;
    try {
      status = await g.runStatus(workflowId);
    } catch (err) {
      if (!(err instanceof RunNotFoundError)) throw err;
      res.status(404);
      return render(req, res, 'error', { title: 'No such run', message: err.message });
    }
    const log: ApprovalRecord[] | undefined = await g.approvalLog(workflowId).catch(() => undefined);
    render(req, res, 'run', { title: workflowId, run: status, log });
  });
  return router;
}
