import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { startEmulator } from '../emulator';
import { eventually } from './helpers/eventually';
import { testTmpDir } from './helpers/temporal';

const lookupTool = { type: 'function' as const, name: 'lookup_order' };

describe('the emulator with a state file (what geminiflow dev keeps in .geminiflow/)', () => {
  it('keeps interactions across a restart: a conversation continues, and a running job finishes as planned', async () => {
    const stateFile = path.join(testTmpDir(), 'emulator.json');
    const sdk = (baseUrl: string) => new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl } });
    const first = await startEmulator({ port: 0, stateFile });
    const ai = sdk(first.baseUrl);
    const asking = await ai.interactions.create({
      model: 'm',
      input: 'order A-1 [[call lookup_order {"orderId":"A-1"}]]',
      tools: [lookupTool],
    });
    assert.equal(asking.status, 'requires_action');
    const running = await ai.interactions.create({ model: 'm', input: 'slow [[duration 2000]]', background: true });
    assert.equal(running.status, 'in_progress');
    await first.stop();
    assert.equal(fs.statSync(stateFile).mode & 0o777, 0o600, 'only its owner reads it');

    const second = await startEmulator({ port: 0, stateFile });
    try {
      const again = sdk(second.baseUrl);
      const callId = (asking.steps!.find((s) => s.type === 'function_call') as { id: string }).id;
      const answered = await again.interactions.create({
        model: 'm',
        previous_interaction_id: asking.id,
        input: [{ type: 'function_result', call_id: callId, name: 'lookup_order', result: { status: 'delivered' } }],
      });
      assert.equal(answered.status, 'completed');
      assert.match(answered.output_text ?? '', /lookup_order=\{"status":"delivered"\}/);
      const finished = await eventually(async () => {
        const it = await again.interactions.get(running.id!);
        return it.status === 'completed' ? it : undefined;
      }, 'the job that was running at the restart to finish');
      assert.ok(finished.output_text);
    } finally {
      await second.stop();
    }
  });
});
