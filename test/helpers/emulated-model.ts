/** The emulator's deterministic model, as the agent tests drive it (docs/emulator.md, "The deterministic model"). */
export const model = 'gemini-2.5-flash';

export const replyTo = (text: string) => `Emulated ${model} reply to: ${text}`;

export const replyAfterTools = (results: [name: string, result: unknown][]) =>
  `Emulated ${model} reply after tools: ${results.map(([n, r]) => `${n}=${JSON.stringify(r)}`).join('; ')}`;

/** A directive in a message: the model calls this tool with these arguments. */
export const call = (name: string, args: Record<string, unknown>) => `[[call ${name} ${JSON.stringify(args)}]]`;
