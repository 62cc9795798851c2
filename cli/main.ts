#!/usr/bin/env node
import { geminiflowProgram } from './geminiflow';
import { runProgram } from './program';

/** `geminiflow`: the command line of a person operating geminiflow. */
void runProgram(geminiflowProgram(), process.argv).then((code) => process.exit(code));
