'use strict';
// The L0 side of the MockTestRunner test: sets the task's inputs the way the
// harness does and runs launcher.js. run(true): nothing to mock, the launcher
// does not use azure-pipelines-task-lib. The endpoint variables come from the
// environment, as the agent would set them.
const path = require('path');
const { TaskMockRunner } = require('azure-pipelines-task-lib/mock-run');

const tmr = new TaskMockRunner(path.join(process.env.MOCK_TASK_DIR, 'launcher.js'));
for (const [name, value] of Object.entries(JSON.parse(process.env.MOCK_INPUTS))) {
  tmr.setInput(name, value);
}
tmr.run(true);
