import { createInterface } from 'node:readline/promises';
import type { ApprovalDecision, DecisionKind, PendingApproval } from '../../workflows';

/** A decision without the call and the reviewer, which the caller adds. */
export type Choice = DistributiveOmit<ApprovalDecision, 'callId' | 'reviewer'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const keys: Record<DecisionKind, string> = { approve: 'a', edit: 'e', deny: 'd', answer: 'n' };

function kindOf(answer: string, allowed: DecisionKind[]): DecisionKind | undefined {
  const a = answer.trim().toLowerCase();
  return allowed.find((k) => a === k || a === keys[k]);
}

const shortText = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/**
 * Asks the person at the terminal what to do with the call, offering only the kinds the tool allows. `signal` aborts
 * the question (the call was decided elsewhere, in the console); the promise then rejects with an AbortError.
 */
export async function askPerson(call: PendingApproval, signal: AbortSignal): Promise<Choice> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const ask = (question: string) => rl.question(question, { signal });
  try {
    const menu = call.decisions.map((k) => `${k} (${keys[k]})`).join(', ');
    let kind: DecisionKind | undefined;
    while (!kind) {
      kind = kindOf(await ask(`  your decision: ${menu}? `), call.decisions);
      if (!kind) process.stdout.write(`  please answer ${call.decisions.map((k) => keys[k]).join(', ')}\n`);
    }
    if (kind === 'deny') {
      let reason = '';
      while (!reason) reason = (await ask('  reason (the model reads it): ')).trim();
      return { kind, reason };
    }
    if (kind === 'answer') {
      const text = (await ask("  the answer the model gets in the tool's place (JSON or text): ")).trim();
      let result: unknown = text;
      try {
        result = JSON.parse(text);
      } catch {
        // plain text
      }
      return { kind, result };
    }
    if (kind === 'edit') {
      const edited: Record<string, unknown> = { ...call.arguments };
      const properties = (call.argumentsSchema.properties ?? {}) as Record<string, { type?: string }>;
      for (const [name, prop] of Object.entries(properties)) {
        if (prop.type !== 'string') continue;
        const given = await ask(`  ${name} [${shortText(call.arguments[name] ?? '')}] (Enter keeps it): `);
        if (given.trim()) edited[name] = given.trim();
      }
      const reason = (await ask('  reason (optional): ')).trim();
      return { kind, arguments: edited, ...(reason ? { reason } : {}) };
    }
    const reason = (await ask('  reason (optional): ')).trim();
    return { kind, ...(reason ? { reason } : {}) };
  } finally {
    rl.close();
  }
}

/** Waits for Enter (or the end of input). */
export async function waitForEnter(question: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    await rl.question(question);
  } catch {
    // input closed
  } finally {
    rl.close();
  }
}
