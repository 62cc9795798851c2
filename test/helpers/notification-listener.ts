import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { ApprovalPayload } from '../../activities';
import { listen } from '../../common/listen';

export interface Delivery {
  webhookId: string;
  payload: ApprovalPayload;
  /** The answer it got: a failed delivery makes the sender retry with the same webhook-id. */
  status: number;
}

/**
 * A listener for approval notifications, as a team would run one: it verifies every delivery with the standardwebhooks
 * package (a forged or unsigned one is refused and not recorded), and collects Slack-style `{text}` posts on /slack.
 * `failFirst` answers 503 to the first copy of every webhook-id, so every event is delivered twice.
 */
export async function startNotificationListener(opts: { failFirst?: boolean } = {}) {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const verifier = new Webhook(secret);
  const deliveries: Delivery[] = [];
  const slack: string[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();

  const { url, close } = await listen(
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.url === '/slack') {
          slack.push((JSON.parse(body) as { text: string }).text);
          return res.writeHead(200).end('ok');
        }
        let payload: ApprovalPayload;
        try {
          payload = verifier.verify(body, req.headers as Record<string, string>) as ApprovalPayload;
        } catch (err) {
          refused.push((err as Error).message);
          return res.writeHead(400).end();
        }
        const webhookId = String(req.headers['webhook-id']);
        const status = opts.failFirst && !seen.has(webhookId) ? 503 : 204;
        seen.add(webhookId);
        deliveries.push({ webhookId, payload, status });
        res.writeHead(status).end();
      });
    },
    { what: 'notification listener' },
  );
  return {
    secret,
    url: `${url}/approvals`,
    slackUrl: `${url}/slack`,
    deliveries,
    slack,
    refused,
    /** The deliveries about one call, in arrival order. */
    about: (workflowId: string, callId: string) =>
      deliveries.filter((d) => d.payload.data.workflowId === workflowId && d.payload.data.callId === callId),
    stop: () => close(),
  };
}

export type NotificationListener = Awaited<ReturnType<typeof startNotificationListener>>;
