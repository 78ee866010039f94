'use strict';
// Task handler: runs the sonar-preflight binary built for this agent.
//
// Deliberately dependency-free. azure-pipelines-task-lib moves INPUT_*,
// ENDPOINT_AUTH_* and SECRET_* out of process.env when it loads, and the
// binary reads exactly those variables, so the environment is passed on
// untouched.

const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');

// Folder names under bin/ are Node's own platform-arch names, so the mapping
// is the identity on this list; anything else has no binary.
const SUPPORTED = ['linux-x64', 'linux-arm64', 'win32-x64', 'darwin-x64', 'darwin-arm64'];

// Logging-command data escaping, as azure-pipelines-task-lib's taskcommand.ts
// escapedata(): '%' first, then CR and LF, so a message stays one command.
function escapeData(s) {
  return String(s).replace(/%/g, '%AZP25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

// fail reports a problem of the launcher itself the way the agent and
// MockTestRunner both understand: an error issue, then a failed result.
function fail(message) {
  process.stdout.write('##vso[task.issue type=error;]' + escapeData(message) + '\n');
  process.stdout.write('##vso[task.complete result=Failed;]' + escapeData(message) + '\n');
  process.exitCode = 1;
}

function main() {
  const platform = process.platform + '-' + process.arch;
  const exe = process.platform === 'win32' ? 'sonar-preflight.exe' : 'sonar-preflight';
  const binary = path.join(__dirname, 'bin', platform, exe);

  if (!fs.existsSync(binary)) {
    const why = SUPPORTED.includes(platform)
      ? 'the task package lacks ' + path.join('bin', platform, exe) + '; reinstall or rebuild the extension'
      : 'this task ships binaries for ' + SUPPORTED.join(', ') + ' only';
    fail('sonar-preflight has no binary for this agent\'s platform ' + platform + ': ' + why + '.');
    return;
  }

  // A .vsix is a zip written without POSIX modes, so the agent unpacks the
  // binary without its executable bit.
  if (process.platform !== 'win32') {
    try {
      fs.chmodSync(binary, 0o755);
    } catch (err) {
      // Another user may own an already executable copy (shared task cache);
      // spawn reports the real problem if it is not executable.
    }
  }

  // The agent cancels a step by signalling this process; pass it on so the
  // binary can stop its checks and report. Registered before the spawn: the
  // binary may already run (and the signal come) before spawn() returns, and
  // Node's default action would leave it orphaned. Signal callbacks run only
  // after this synchronous code, when child is set.
  let child = null;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (child) {
        child.kill(signal);
      }
    });
  }

  // The command input chooses what runs: this pipeline's preflight, or the
  // fleet audit (which reads its own inputs from the environment).
  const command = (process.env.INPUT_COMMAND || 'check').trim().toLowerCase() || 'check';
  const args = { check: ['check'], audit: ['audit'], merge: ['audit', 'merge'] }[command];
  if (!args) {
    fail('The command input is "' + command + '": use check, audit or merge.');
    return;
  }
  child = childProcess.spawn(binary, args, { stdio: 'inherit', env: process.env });

  let started = true;
  child.on('error', (err) => {
    started = false;
    fail('sonar-preflight could not be started on ' + platform + ' (' + binary + '): ' + err.message);
  });
  // 'exit' may or may not follow 'error'; the failure already reported stands.
  child.on('exit', (code, signal) => {
    if (!started) {
      return;
    }
    if (signal) {
      fail('sonar-preflight was stopped by signal ' + signal + ' before it finished.');
      return;
    }
    process.exitCode = code;
  });
}

main();
