#!/usr/bin/env node
// Entry point for `npx valora`: the CLI itself is compiled TypeScript (npm install runs the build).
import '../dist/src/cli/main.js';
