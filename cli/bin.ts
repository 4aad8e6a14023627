#!/usr/bin/env node
// The `paceline` command. It checks Node's version before loading anything else: on an older Node,
// the CLI's modules fail to link with an error that names a missing export, not the cause.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `paceline: needs Node.js 22 or newer, this is ${process.version}. In a clone of paceline: source scripts/ensure-node.sh (installs Node 24 into .node/); elsewhere install Node 24 LTS.\n`,
  );
  process.exit(1);
}
await import("./main.js");
