import express, { type Request, type Response } from 'express';
import { ApprovalRefusedError, type GeminiflowClient, InvalidApprovalFilterError } from '../../client';
import type { ApprovalDecision, ApprovalRecord, PendingApproval } from '../../workflows';
import { editFields, readEdit } from '../edit-form';
import { csrf } from '../session';
import { paths, render } from '../views';

/** `/approvals/<workflowId>/<callId>`, with either part percent-encoded or the workflow id's own slashes left as they are. */
function callOf(req: Request): { workflowId: string; callId: string } | undefined {
  const parts = (req.params as { rest?: string[] }).rest ?? [];
  if (parts.length < 2) return undefined;
  return { workflowId: parts.slice(0, -1).join('/'), callId: parts[parts.length - 1]! };
}

interface CallPageState {
  status?: number;
  errors?: { edit?: Record<string, string>; deny?: string; answer?: string; form?: string };
  submitted?: Record<string, unknown>;
}

async function showCall(
  g: GeminiflowClient,
  req: Request,
  res: Response,
  workflowId: string,
  callId: string,
  state: CallPageState = {},
) {
  let log: ApprovalRecord[];
  let pending: PendingApproval[];
  try {
    [log, pending] = await Promise.all([g.approvalLog(workflowId), g.pendingApprovals(workflowId)]);
  } catch (err) {
    res.status(404);
    return render(req, res, 'error', {
      title: 'No such run',
      message: `No agent run ${workflowId} answers here: ${(err as Error).message}`,
    });
  }
  const call = pending.find((p) => p.callId === callId);
  const record = log.find((r) => r.callId === callId);
  const fields = call ? editFields(call.argumentsSchema, call.arguments, state.errors?.edit, state.submitted) : [];
  res.status(state.status ?? 200);
  render(req, res, 'approval', {
    title: call ? `${call.tool}: waiting for you` : `Call ${callId}`,
    workflowId,
    callId,
    call,
    record,
    log,
    fields,
    errors: state.errors ?? {},
    submitted: state.submitted ?? {},
  });
}

type DecisionOrErrors = { decision: ApprovalDecision } | { errors: NonNullable<CallPageState['errors']> };

/** What the form asks for; the reviewer is the signed-in one, whatever the form says. */
function decisionFrom(
  body: Record<string, unknown>,
  call: PendingApproval | undefined,
  callId: string,
  reviewer: string,
): DecisionOrErrors {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const reason = text('reason');
  const base = { callId, reviewer, ...(reason ? { reason } : {}) };
  switch (body.kind) {
    case 'approve':
      return { decision: { ...base, kind: 'approve' } };
    case 'deny':
      return reason
        ? { decision: { ...base, kind: 'deny', reason } }
        : { errors: { deny: 'Say why: the model reads the reason.' } };
    case 'answer': {
      const result = text('result');
      if (!result) return { errors: { answer: 'Write the answer the model should get.' } };
      let value: unknown = result;
      try {
        value = JSON.parse(result);
      } catch {
        // Plain text is an answer too.
      }
      return { decision: { ...base, kind: 'answer', result: value } };
    }
    case 'edit': {
      if (!call) return { errors: { form: 'This call no longer waits for a decision.' } };
      const read = readEdit(call.argumentsSchema, body);
      if (!read.arguments)
        return { errors: { edit: read.fieldErrors, ...(read.formError ? { form: read.formError } : {}) } };
      return { decision: { ...base, kind: 'edit', arguments: read.arguments } };
    }
    default:
      return { errors: { form: 'Choose approve, edit, deny or answer.' } };
  }
}

const doneText = { approve: 'Approved', edit: 'Approved with your edits', deny: 'Denied', answer: 'Answered' } as const;

/** Pending calls across runs, one call's page (the link notifications carry), and decisions. */
export function approvalRoutes(g: GeminiflowClient): express.Router {
  const router = express.Router();

  router.get('/approvals', async (req, res) => {
    const tool = typeof req.query.tool === 'string' && req.query.tool ? req.query.tool : undefined;
    const silent: string[] = [];
    const pending = await g
      .listPendingApprovals({ tool, onUnanswered: (run) => silent.push(run.workflowId) })
      .catch((err: unknown) => {
        // No tool can have a name the filter refuses, so no call waits for it.
        if (err instanceof InvalidApprovalFilterError) return [];
        throw err;
      });
    render(req, res, 'approvals', { title: 'Waiting for a person', pending, tool: tool ?? '', silent });
  });

  router.get('/approvals/*rest', async (req, res) => {
    const which = callOf(req);
    if (!which) return res.redirect(303, '/approvals');
    await showCall(g, req, res, which.workflowId, which.callId);
  });

  router.post('/approvals/*rest', csrf.csrfSynchronisedProtection, async (req, res) => {
    const which = callOf(req);
    if (!which) return res.redirect(303, '/approvals');
    const { workflowId, callId } = which;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const pending = await g.pendingApprovals(workflowId).catch(() => [] as PendingApproval[]);
    const call = pending.find((p) => p.callId === callId);
    const made = decisionFrom(body, call, callId, req.session.reviewer!);
    if ('errors' in made)
      return showCall(g, req, res, workflowId, callId, { status: 422, errors: made.errors, submitted: body });
    try {
      const decided = await g.decideApproval(workflowId, made.decision);
      req.session.flash = {
        kind: 'ok',
        text: `${doneText[decided.kind]} as ${decided.reviewer ?? req.session.reviewer}.`,
      };
      res.redirect(303, paths.call(workflowId, callId));
    } catch (err) {
      if (!(err instanceof ApprovalRefusedError)) throw err;
      await showCall(g, req, res, workflowId, callId, { status: 409, errors: { form: err.message }, submitted: body });
    }
  });
  return router;
}
