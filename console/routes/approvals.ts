import express, { type Request, type Response } from 'express';
import {
  ApprovalRefusedError,
  type DecisionReceipt,
  type GeminiflowClient,
  InvalidApprovalFilterError,
  type RunApprovals,
} from '../../client';
import { ineligibility } from '../../contract';
import type { ApprovalDecision, PendingApproval } from '../../workflows';
import type { ConsoleConfig } from '../config';
import { editFields, readEdit } from '../edit-form';
import { groupsOf } from '../reviewer-groups';
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
  which: { workflowId: string; callId: string; groups: string[] },
  state: CallPageState = {},
) {
  const { workflowId, callId } = which;
  let run: RunApprovals;
  try {
    run = await g.approvalsOf(workflowId);
  } catch (err) {
    res.status(404);
    return render(req, res, 'error', {
      title: 'No such run',
      message: `No agent run ${workflowId} answers here: ${(err as Error).message}`,
    });
  }
  const call = run.pending.find((p) => p.callId === callId);
  const log = run.log ?? [];
  const record = log.find((r) => r.callId === callId);
  const closed = run.closed.find((c) => c.callId === callId);
  const fields = call ? editFields(call.argumentsSchema, call.arguments, state.errors?.edit, state.submitted) : [];
  const reviewer = req.session.reviewer!;
  res.status(state.status ?? 200);
  render(req, res, 'approval', {
    title: call ? `${call.tool}: waiting for ${call.recorded?.length ? 'the worker' : 'you'}` : `Call ${callId}`,
    workflowId,
    callId,
    call,
    record,
    closed,
    log,
    source: run.source,
    /** Why the signed-in reviewer may not decide this call (the run would refuse them), if so. */
    notYours: call ? notYours(call, reviewer, which.groups) : undefined,
    groups: which.groups,
    fields,
    errors: state.errors ?? {},
    submitted: state.submitted ?? {},
  });
}

function notYours(call: PendingApproval, reviewer: string, groups: string[]): string | undefined {
  const excluded = ineligibility(call.tool, call.approvers, reviewer, groups);
  if (excluded) return excluded;
  const approvedBefore = call.approvals?.find((v) => !v.superseded && v.reviewer === reviewer);
  return approvedBefore ? `You approved this call at ${approvedBefore.at}; it needs someone else now.` : undefined;
}

type DecisionOrErrors = { decision: ApprovalDecision } | { errors: NonNullable<CallPageState['errors']> };

/** What the form asks for; the reviewer and their groups are the signed-in one's, whatever the form says. */
function decisionFrom(
  body: Record<string, unknown>,
  call: PendingApproval | undefined,
  callId: string,
  reviewer: { name: string; groups: string[] },
): DecisionOrErrors {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const reason = text('reason');
  const base = {
    callId,
    reviewer: reviewer.name,
    ...(reviewer.groups.length ? { reviewerGroups: reviewer.groups } : {}),
    ...(reason ? { reason } : {}),
  };
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

/** What the person is told after deciding: applied, counted toward a quorum, or recorded for the run's worker. */
function receiptText(receipt: DecisionReceipt, reviewer: string): string {
  const who = receipt.reviewer ?? reviewer;
  if (receipt.state === 'recorded') {
    return (
      `Recorded, waiting for the run's worker: ${receipt.why}. Your decision (${receipt.kind}, as ${who}) is kept by ` +
      'Temporal and applied once the worker runs again; this page shows it as decided, waiting for the worker.'
    );
  }
  if (receipt.waitingFor) return `Your approval counts (as ${who}). Still needed: ${receipt.waitingFor}.`;
  return `${doneText[receipt.kind]} as ${who}.`;
}

/** Pending calls across runs, one call's page (the link notifications carry), and decisions. */
export function approvalRoutes(g: GeminiflowClient, config: Pick<ConsoleConfig, 'groups'>): express.Router {
  const router = express.Router();
  const groupsFor = (req: Request) => groupsOf(config.groups ?? { members: {} }, req, req.session.reviewer!);

  router.get('/approvals', async (req, res) => {
    const tool = typeof req.query.tool === 'string' && req.query.tool ? req.query.tool : undefined;
    const silent: string[] = [];
    const pending = await g
      .listPendingApprovals({ tool, onUnanswered: (run) => void (run.published || silent.push(run.workflowId)) })
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
    await showCall(g, req, res, { ...which, groups: groupsFor(req) });
  });

  router.post('/approvals/*rest', csrf.csrfSynchronisedProtection, async (req, res) => {
    const which = callOf(req);
    if (!which) return res.redirect(303, '/approvals');
    const { workflowId, callId } = which;
    const groups = groupsFor(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    // Only an edit needs the call (its schema reads the form): as the run published it, so a worker that is down
    // costs no wait before the decision's own 2 seconds.
    const run =
      body.kind === 'edit'
        ? await g.approvalsOf(workflowId, { queryTimeoutMs: 500, publishedFirst: true }).catch(() => undefined)
        : undefined;
    const call = run?.pending.find((p) => p.callId === callId);
    const made = decisionFrom(body, call, callId, { name: req.session.reviewer!, groups });
    if ('errors' in made) {
      return showCall(g, req, res, { ...which, groups }, { status: 422, errors: made.errors, submitted: body });
    }
    try {
      const receipt = await g.decideApproval(workflowId, made.decision);
      req.session.flash = { kind: 'ok', text: receiptText(receipt, req.session.reviewer!) };
      res.redirect(303, paths.call(workflowId, callId));
    } catch (err) {
      if (!(err instanceof ApprovalRefusedError)) throw err;
      await showCall(
        g,
        req,
        res,
        { ...which, groups },
        { status: 409, errors: { form: err.message }, submitted: body },
      );
    }
  });
  return router;
}
