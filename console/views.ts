import path from 'node:path';
import { Eta } from 'eta';
import type { Request, Response } from 'express';
import { projectRoot } from '../common/paths';
import { describeFanOutCounts, describeUsd, formatCount } from '../contract';
import { csrf } from './session';

/** Templates escape every `<%= %>` value (autoEscape): a tool argument holding HTML or script shows as text. */
const eta = new Eta({ views: path.join(projectRoot, 'console', 'views'), autoEscape: true, cache: true });

/** Where links point; set once per app (res.locals.links). */
export interface Links {
  namespace: string;
  temporalUiUrl?: string;
  /** Token sign-in has a sign-out; behind an authenticating proxy the proxy signs people out. */
  signOut: boolean;
}

/** Paths of the console's pages; workflow ids may hold `/`, so each part is encoded. */
export const paths = {
  call: (workflowId: string, callId: string) =>
    `/approvals/${encodeURIComponent(workflowId)}/${encodeURIComponent(callId)}`,
  run: (workflowId: string) => `/runs/${encodeURIComponent(workflowId)}`,
};

function helpers(links: Links) {
  return {
    ...paths,
    signOut: links.signOut,
    temporalUi: (workflowId: string) =>
      links.temporalUiUrl &&
      `${links.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    json: (value: unknown) => JSON.stringify(value, null, 2) ?? '',
    isPlain: (value: unknown) => value === null || typeof value !== 'object',
    entries: (value: object) => Object.entries(value),
    fanOutLine: describeFanOutCounts,
    count: formatCount,
    usd: describeUsd,
  };
}

/** Renders a page in the layout, with the reviewer, a CSRF token for its forms, and the flash message of a redirect. */
export function render(req: Request, res: Response, view: string, data: Record<string, unknown>): void {
  const flash = req.session?.flash;
  if (flash) delete req.session.flash;
  const html = eta.render(`./${view}`, {
    ...data,
    reviewer: req.session?.reviewer,
    csrfToken: req.session ? csrf.generateToken(req) : '',
    flash,
    path: req.path,
    posted: req.method === 'POST',
    startedAt: res.locals.startedAt as number,
    h: helpers(res.locals.links as Links),
  });
  res.type('html').send(html);
}
