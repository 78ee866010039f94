'use strict';
// Runs the task through azure-pipelines-task-lib's MockTestRunner and prints
// what the runner concluded as JSON. Offline: nodePath is set to this Node
// before runAsync() is called without a version, so the runner downloads
// nothing. MOCK_TASK_DIR is the task folder (with bin/).
const path = require('path');
const { MockTestRunner } = require('azure-pipelines-task-lib/mock-test');

async function main() {
  const tr = new MockTestRunner(path.join(__dirname, 'mockrun-task.js'),
    path.join(process.env.MOCK_TASK_DIR, 'task.json'));
  tr.nodePath = process.execPath;
  await tr.runAsync();
  process.stdout.write(JSON.stringify({
    succeeded: tr.succeeded,
    errorIssues: tr.errorIssues,
    warningIssues: tr.warningIssues,
    stdout: tr.stdout,
    stderr: tr.stderr,
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
