/**
 * The public API report: what each entry point of the package exports, as API Extractor reads it from the declarations
 * the build emits, kept in docs/api/<entry>.api.md so that every change to the public surface shows in review.
 *
 *   npx tsx scripts/api-report.ts           checks the reports (what test/api-report.test.ts does)
 *   npm run api:update                      rewrites them after an intended change
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';
import ts from 'typescript';
import { projectRoot } from '../common/paths';

export const updateCommand = 'npm run api:update';

/** The package's entry points ("exports" in package.json), each with the file that defines it. */
export const entryPoints = [
  { name: 'workflow', source: 'workflows/index.ts' },
  { name: 'worker', source: 'worker/index.ts' },
  { name: 'receiver', source: 'receiver/index.ts' },
  { name: 'client', source: 'client/index.ts' },
  { name: 'testing', source: 'testing/index.ts' },
] as const;

export const reportFolder = path.join(projectRoot, 'docs', 'api');

export interface EntryReport {
  entry: string;
  /** The checked-in report, relative to the project. */
  file: string;
  /** The report differs from the declarations (in check mode: the report was not updated). */
  changed: boolean;
  /** What API Extractor found wrong (a type the entry point uses but does not export, ...). */
  problems: string[];
  /** Lines only in the checked-in report (-) and only in the new one (+). */
  diff: string[];
}

/**
 * The declarations of the entry points and what they import, as `npm run build` emits them; returns the names each
 * entry point exports.
 */
function emitDeclarations(outDir: string): Map<string, Set<string>> {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(projectRoot, 'tsconfig.build.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('cannot read tsconfig.build.json');
  const options: ts.CompilerOptions = {
    ...parsed.options,
    outDir,
    rootDir: projectRoot,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    inlineSources: false,
    incremental: false,
    tsBuildInfoFile: undefined,
  };
  const program = ts.createProgram(
    entryPoints.map((e) => path.join(projectRoot, e.source)),
    options,
  );
  const emitted = program.emit();
  const errors = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (emitted.emitSkipped || errors.length) {
    const host = {
      getCanonicalFileName: (f: string) => f,
      getCurrentDirectory: () => projectRoot,
      getNewLine: () => '\n',
    };
    throw new Error(`declarations could not be emitted:\n${ts.formatDiagnostics(errors, host)}`);
  }
  const checker = program.getTypeChecker();
  return new Map(
    entryPoints.map((e) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(path.join(projectRoot, e.source))!)!;
      return [e.name, new Set(checker.getExportsOfModule(module).map((s) => s.name))];
    }),
  );
}

function extractorConfig(dts: string, entry: (typeof entryPoints)[number], tempFolder: string): ExtractorConfig {
  const configObject: IConfigFile = {
    projectFolder: projectRoot,
    mainEntryPointFilePath: path.join(dts, entry.source.replace(/\.ts$/, '.d.ts')),
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'node16',
          moduleResolution: 'node16',
          types: ['node'],
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
        },
        files: [path.join(dts, entry.source.replace(/\.ts$/, '.d.ts'))],
      },
    },
    apiReport: { enabled: true, reportFileName: entry.name, reportFolder, reportTempFolder: tempFolder },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
        // Everything an entry point exports is public: no release tags.
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        // The report marks what has no comment; that is no problem to stop on.
        'ae-undocumented': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        // A type the API uses but the entry point does not export: users cannot name it. Reported, never written
        // into the report (its message names a temporary path).
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false },
      },
      // The comments are for people, not TSDoc.
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(projectRoot, 'package.json'),
  });
}

function lineDiff(before: string, after: string): string[] {
  const was = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  return [
    ...[...was].filter((l) => !now.has(l)).map((l) => `- ${l}`),
    ...[...now].filter((l) => !was.has(l)).map((l) => `+ ${l}`),
  ];
}

/** Reads every entry point's exports; with `update`, writes the reports, else compares them with the ones checked in. */
export function apiReports({ update = false } = {}): EntryReport[] {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-api-'));
  if (update) fs.mkdirSync(reportFolder, { recursive: true });
  try {
    const dts = path.join(work, 'dts');
    const exported = emitDeclarations(dts);
    const configs = entryPoints.map((entry) => ({
      entry,
      config: extractorConfig(dts, entry, path.join(work, 'report')),
    }));
    // One TypeScript program for all five: the analysis of the shared declarations is done once.
    const compilerState = CompilerState.create(configs[0]!.config, {
      additionalEntryPoints: configs.map((c) => c.config.mainEntryPointFilePath),
    });
    return configs.map(({ entry, config }) => {
      const problems: string[] = [];
      const result = Extractor.invoke(config, {
        localBuild: update,
        compilerState,
        messageCallback: (message: ExtractorMessage) => {
          // The outcome is reported here, once per entry point, instead of on the console.
          message.handled = true;
          if (message.logLevel !== ExtractorLogLevel.Error && message.logLevel !== ExtractorLogLevel.Warning) return;
          if (message.messageId.startsWith('console-api-report-')) return;
          // API Extractor sees one entry point at a time: a type another entry point exports is not forgotten (the
          // client's methods take the inputs of geminiflow/workflow's workflows).
          const forgotten = /The symbol "([^"]+)" needs to be exported/.exec(message.text)?.[1];
          if (forgotten && [...exported.values()].some((names) => names.has(forgotten))) return;
          const where = message.sourceFilePath
            ? ` (${path.relative(dts, message.sourceFilePath)}:${message.sourceFileLine})`
            : '';
          problems.push(`${message.text}${where}`);
        },
      });
      const fileName = config.reportConfigs[0]!.fileName;
      const checkedIn = path.join(config.reportFolder, fileName);
      const written = path.join(config.reportTempFolder, fileName);
      const file = path.relative(projectRoot, checkedIn);
      const before = fs.existsSync(checkedIn) ? fs.readFileSync(checkedIn, 'utf8') : '';
      const after = fs.existsSync(written) ? fs.readFileSync(written, 'utf8') : '';
      const changed = !update && result.apiReportChanged;
      return { entry: entry.name, file, changed, problems, diff: changed ? lineDiff(before, after) : [] };
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const update = process.argv.includes('--update');
  const reports = apiReports({ update });
  let failed = false;
  for (const r of reports) {
    for (const p of r.problems) process.stderr.write(`geminiflow/${r.entry}: ${p}\n`);
    if (r.problems.length) failed = true;
    if (r.changed) {
      failed = true;
      process.stderr.write(`geminiflow/${r.entry}: the exports differ from ${r.file}:\n${r.diff.join('\n')}\n`);
    } else process.stdout.write(`geminiflow/${r.entry}: ${update ? 'written to' : 'matches'} ${r.file}\n`);
  }
  if (failed) {
    if (reports.some((r) => r.changed)) {
      process.stderr.write(`Review the change, then run \`${updateCommand}\` and commit docs/api/.\n`);
    }
    process.exit(1);
  }
}
