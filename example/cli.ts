#!/usr/bin/env node
import { geminiflowProgram } from '../cli/geminiflow';
import { runProgram } from '../cli/program';
import { registerExampleCommands } from './commands';

/**
 * The installed `geminiflow` command: the operator's program from cli/, plus the example app's `demo` and `stack`.
 * Composed here so the library's own command line knows nothing of the example.
 */
const program = geminiflowProgram();
registerExampleCommands(program);
void runProgram(program, process.argv).then((code) => process.exit(code));
