import express from 'express';
import { type GeminiflowClient, ReplayError } from '../../client';
import { csrf } from '../session';
import { render } from '../views';

/** Dead letters with their reason, and a replay button. */
export function deadLetterRoutes(g: GeminiflowClient): express.Router {
  const router = express.Router();

  router.get('/dead-letters', async (req, res) => {
    const all = req.query.all === 'on';
    const entries = await g.deadLetters({ includeReplayed: all, limit: 500 });
    render(req, res, 'dead-letters', { title: 'Dead letters', entries, all });
  });

  router.post('/dead-letters/:webhookId/replay', csrf.csrfSynchronisedProtection, async (req, res) => {
    const webhookId = String(req.params.webhookId);
    const to = typeof req.body?.to === 'string' && req.body.to.trim() ? req.body.to.trim() : undefined;
    try {
      const replayed = await g.replayDeadLetter(webhookId, { to });
      req.session.flash = { kind: 'ok', text: `Replayed ${webhookId} (${replayed.event.type}) to ${replayed.to}.` };
    } catch (err) {
      if (!(err instanceof ReplayError)) throw err;
      req.session.flash = { kind: 'error', text: `Not replayed: ${err.message}` };
    }
    res.redirect(303, '/dead-letters');
  });
  return router;
}
