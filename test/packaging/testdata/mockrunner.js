'use strict';
// Runs the task through azure-pipelines-task-lib's MockTestRunner and prints
// what the runner concluded as JSON. Offline: nodePath is set to this Node
// before runAsync() is called without a version, so the runner downloads
// nothing. MOCK_TASK_DIR is the task folder (with bin/).
//
// The runner reads results from the log only and drops the task process's
// exit code, which the agent does not: a Node handler that exits non-zero
// gets an extra error. So the spawnSync the runner calls is observed here
// and the exit code reported too.
const path = require('path');
const childProcess = require('child_process');
const { MockTestRunner } = require('azure-pipelines-task-lib/mock-test');

async function main() {
  let exitCode = null;
  let signal = null;
  const spawnSync = childProcess.spawnSync;
  childProcess.spawnSync = function (...args) {
    const r = spawnSync.apply(this, args);
    exitCode = r.status;
    signal = r.signal;
    return r;
  };
  const tr = new MockTestRunner(path.join(__dirname, 'mockrun-task.js'),
    path.join(process.env.MOCK_TASK_DIR, 'task.json'));
  tr.nodePath = process.execPath;
  await tr.runAsync();
  childProcess.spawnSync = spawnSync;
  process.stdout.write(JSON.stringify({
    succeeded: tr.succeeded,
    errorIssues: tr.errorIssues,
    warningIssues: tr.warningIssues,
    stdout: tr.stdout,
    stderr: tr.stderr,
    exitCode: exitCode,
    signal: signal,
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
