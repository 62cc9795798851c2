import fs from 'node:fs';
import path from 'node:path';

const ignoredSegments = new Set(['node_modules', '.git', '.geminiflow']);
/** Editors' swap and backup files change on every keystroke; they are not the code. */
const editorNoise = /(~|\.swp|\.swx|\.tmp)$|^\.#|^#.*#$/;

function ignored(file: string): boolean {
  const segments = file.split(/[\\/]/);
  return segments.some((s) => ignoredSegments.has(s)) || editorNoise.test(segments.at(-1) ?? '');
}

/**
 * Calls `onChange` with the files (relative to the project) that changed under `dirs`, once a burst of changes has
 * been quiet for `debounceMs`: an editor's save, or a `git checkout`, is one restart, not one per file.
 */
export function watchForChanges(
  root: string,
  dirs: string[],
  onChange: (files: string[]) => void,
  debounceMs = 300,
): () => void {
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watchers = dirs.map((dir) =>
    fs.watch(dir, { recursive: true }, (_event, filename) => {
      if (!filename) return;
      const file = path.relative(root, path.join(dir, filename.toString()));
      if (ignored(file)) return;
      changed.add(file);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const files = [...changed].sort();
        changed.clear();
        onChange(files);
      }, debounceMs);
    }),
  );
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
