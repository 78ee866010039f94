// Answers JSON requests (one per line on stdin) with azure-pipelines-task-lib's
// own reading ("parse": commandFromString) or writing ("format":
// TaskCommand.toString) of a logging command, one JSON answer per line, so the
// Go tests can hold our escaping and parsing against the official code.
// Usage: node tasklib.js <node_modules directory>
'use strict';
const path = require('path');
const readline = require('readline');
const { commandFromString, TaskCommand } = require(
  path.join(process.argv[2], 'azure-pipelines-task-lib', 'taskcommand'));

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (text) => {
  const req = JSON.parse(text);
  let res;
  try {
    if (req.op === 'parse') {
      const c = commandFromString(req.line);
      res = { command: c.command, properties: c.properties, message: c.message };
    } else if (req.op === 'format') {
      const props = {};
      for (const [k, v] of req.props || []) props[k] = v;
      res = { line: new TaskCommand(req.command, props, req.message).toString() };
    } else {
      res = { error: 'unknown op ' + req.op };
    }
  } catch (e) {
    res = { error: String(e && e.message) };
  }
  process.stdout.write(JSON.stringify(res) + '\n');
});
