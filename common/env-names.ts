/**
 * The names of geminiflow's environment variables, as the readers that define them declare them, so a misspelt name
 * is reported instead of silently ignored. Every reader registers its names when its module loads (`envSchema` for
 * zod schemas, `declareEnvNames` for hand-written readers); nothing here lists a name itself.
 */
const known = new Set<string>();
const warned = new Set<string>();

/** Prefixes geminiflow owns; other variables (PATH, TEMPORAL_*, a user's own) are none of its business. */
const watchedPrefixes = ['GEMINIFLOW_', 'GEMINI_', 'RECEIVER_', 'GOOGLE_GEMINI_'];

/**
 * How far (in edits: a letter added, dropped or changed, or two neighbours swapped) a name may be from a known one to
 * count as a misspelling of it. A process loads only its own readers (a worker does not load the receiver's or the
 * emulator's), so a name farther from every name it knows may belong to another component sharing the environment:
 * GEMINI_EMULATOR_HOST, which only the emulator reads, is two edits from the worker's GEMINI_EMULATOR_PORT.
 */
const maxTypoDistance = 1;

export function declareEnvNames<const Names extends readonly string[]>(names: Names): Names {
  for (const name of names) known.add(name);
  return names;
}

export function isKnownEnvName(name: string): boolean {
  return known.has(name);
}

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters. */
function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `name`, when it is close enough to be what was meant. */
export function closestEnvName(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = typoDistance(name, candidate);
    if (distance <= maxTypoDistance && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Each set variable with a geminiflow prefix that no reader knows but that is a near miss of one that does. */
export function misspeltEnvNames(env: NodeJS.ProcessEnv): { name: string; meant: string }[] {
  const found: { name: string; meant: string }[] = [];
  for (const name of Object.keys(env)) {
    if (known.has(name) || !watchedPrefixes.some((p) => name.startsWith(p))) continue;
    const meant = closestEnvName(name);
    if (meant) found.push({ name, meant });
  }
  return found;
}

export const misspeltEnvMessage = (m: { name: string; meant: string }) =>
  `${m.name} is not a geminiflow setting and is ignored; did you mean ${m.meant}?`;

/**
 * Warns (once per name and process, as a Node warning on stderr) about each set variable with a geminiflow prefix that
 * no reader knows but that is a near miss of one that does, naming the one it probably meant. Returns the warnings.
 */
export function warnAboutMisspeltEnv(env: NodeJS.ProcessEnv): string[] {
  const messages: string[] = [];
  for (const misspelt of misspeltEnvNames(env)) {
    if (warned.has(misspelt.name)) continue;
    warned.add(misspelt.name);
    const message = misspeltEnvMessage(misspelt);
    process.emitWarning(message, { code: 'GEMINIFLOW_UNKNOWN_SETTING' });
    messages.push(message);
  }
  return messages;
}
