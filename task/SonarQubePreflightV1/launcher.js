'use strict';
// Task handler: runs the sonar-preflight binary built for this agent.
//
// Deliberately dependency-free. azure-pipelines-task-lib moves INPUT_*,
// ENDPOINT_AUTH_* and SECRET_* out of process.env when it loads, and the
// binary reads exactly those variables, so the environment is passed on
// untouched.
//
// Exit code: the agent treats any non-zero exit of a Node handler as an
// infrastructure failure and adds an error of its own ("Exit code N returned
// from process"). So, like tasks built on task-lib, this launcher exits 0
// once the binary has reported the step's result with ##vso[task.complete],
// whatever that result is. Only when the binary could not report (missing,
// not executable, killed by a signal, crashed before its report) does the
// launcher report a failed result itself, naming the cause, and exit 1.

const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');

// Folder names under bin/ are Node's own platform-arch names, so the mapping
// is the identity on this list; anything else has no binary.
const SUPPORTED = ['linux-x64', 'linux-arm64', 'win32-x64', 'darwin-x64', 'darwin-arm64'];

// The binary's own result line. It writes logging commands at the start of a
// line; text from servers never starts one (the binary neutralises ##vso in it).
const COMPLETE = /^##vso\[task\.complete[ \]]/;

// Logging-command data escaping, as azure-pipelines-task-lib's taskcommand.ts
// escapedata(): '%' first, then CR and LF, so a message stays one command.
function escapeData(s) {
  return String(s).replace(/%/g, '%AZP25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

// fail reports a problem of the launcher itself the way the agent and
// MockTestRunner both understand: an error issue, then a failed result. The
// non-zero exit code is right here: the step could not run at all.
function fail(message) {
  process.stdout.write('##vso[task.issue type=error;]' + escapeData(message) + '\n');
  process.stdout.write('##vso[task.complete result=Failed;]' + escapeData(message) + '\n');
  process.exitCode = 1;
}

// exitMeaning explains a binary's exit code that came without a report.
function exitMeaning(code) {
  switch (code) {
    case 0:
      return 'it is not the sonar-preflight this task was built with; reinstall or rebuild the extension';
    case 1:
      return 'the preflight failed, but its report did not reach the pipeline';
    case 2:
      return 'a crash or a wrong command line; its output above says which';
    case 126:
    case 127:
      // The system's shell answers for a file the kernel would not execute.
      return 'the system could not execute it; reinstall or rebuild the extension';
    default:
      return 'an unexpected error; its output above may say more';
  }
}

// The executable formats of the supported platforms: the first bytes of the
// file and, for ELF and Mach-O, the machine it is for. When the binary could
// not be executed, a truncated copy or a binary for another platform is named
// as such, rather than by the kernel's ENOEXEC or the shell fallback's 127.
const FORMATS = {
  'linux-x64': { name: 'ELF x86-64', check: (b) => elf(b, 62) },
  'linux-arm64': { name: 'ELF AArch64', check: (b) => elf(b, 183) },
  'darwin-x64': { name: 'Mach-O x86-64', check: (b) => macho(b, 0x01000007) },
  'darwin-arm64': { name: 'Mach-O arm64', check: (b) => macho(b, 0x0100000c) },
  'win32-x64': { name: 'Windows PE', check: (b) => b.length >= 2 && b[0] === 0x4d && b[1] === 0x5a },
};

function elf(b, machine) {
  // e_ident "\x7fELF", then e_machine (little-endian) at offset 18.
  return b.length >= 20 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46 &&
    b.readUInt16LE(18) === machine;
}

function macho(b, cpu) {
  // MH_MAGIC_64 (little-endian) then cputype.
  return b.length >= 8 && b.readUInt32LE(0) === 0xfeedfacf && b.readUInt32LE(4) === cpu;
}

// formatProblem returns why the file cannot be this platform's executable,
// or '' when it looks right or cannot be read (spawn then names the error).
function formatProblem(binary, platform) {
  const format = FORMATS[platform];
  let head;
  try {
    const fd = fs.openSync(binary, 'r');
    try {
      head = Buffer.alloc(20);
      head = head.subarray(0, fs.readSync(fd, head, 0, 20, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return '';
  }
  if (!format || format.check(head)) {
    return '';
  }
  return 'the file is not an executable for ' + platform + ' (' + format.name + '): ' +
    (head.length ? 'it starts with ' + head.subarray(0, 4).toString('hex') : 'it is empty') +
    '; reinstall or rebuild the extension';
}

// ResultWatch passes the binary's stdout through unchanged and notes whether
// a whole line of it was the binary's task.complete command.
class ResultWatch {
  constructor() {
    this.partial = '';
    this.reported = false;
  }

  feed(chunk) {
    // latin1 maps bytes one to one: a character split across chunks cannot
    // shift what a line starts with.
    const lines = (this.partial + chunk.toString('latin1')).split('\n');
    // Only the start of a line matters; a huge unterminated line is not kept.
    this.partial = lines.pop().slice(0, 64);
    for (const line of lines) {
      this.check(line);
    }
  }

  end() {
    this.check(this.partial);
    this.partial = '';
  }

  check(line) {
    if (COMPLETE.test(line.replace(/\r$/, ''))) {
      this.reported = true;
    }
  }
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

  // The command input chooses what runs: this pipeline's preflight, the
  // fleet audit, or the merge of a sharded audit's reports (both read their
  // own inputs from the environment).
  const command = (process.env.INPUT_COMMAND || 'check').trim().toLowerCase() || 'check';
  const args = { check: ['check'], audit: ['audit'], merge: ['audit', 'merge'] }[command];
  if (!args) {
    fail('The command input is "' + command + '": use check, audit or merge.');
    return;
  }
  // The task speaks to the agent: logging commands, whatever a pipeline
  // variable such as SONAR_PREFLIGHT_FORMAT says for the command-line tool.
  child = childProcess.spawn(binary, args.concat(['--format', 'azp']), {
    stdio: ['inherit', 'pipe', 'inherit'],
    env: process.env,
  });

  const watch = new ResultWatch();
  let done = false;
  const cannotStart = (cause) => {
    fail('sonar-preflight could not be started on ' + platform + ' (' + binary + '): ' + cause + '.');
  };
  child.on('error', (err) => {
    // Spawn failed (ENOENT, EACCES, ENOEXEC): nothing ran. 'close' may follow.
    if (done) {
      return;
    }
    done = true;
    cannotStart(formatProblem(binary, platform) || err.message);
  });
  if (child.stdout) {
    child.stdout.on('data', (chunk) => watch.feed(chunk));
    child.stdout.pipe(process.stdout, { end: false });
  }
  // 'close' comes after the process ended and its stdout was drained, so every
  // line of the report has been seen.
  child.on('close', (code, signal) => {
    if (done) {
      return;
    }
    done = true;
    watch.end();
    if (signal) {
      fail('sonar-preflight was stopped by signal ' + signal +
        (watch.reported ? ' after it reported its result, before it exited.' : ' before it finished.'));
      return;
    }
    if (watch.reported) {
      // The step's result is in the log already; a non-zero exit would only
      // add the agent's "Exit code 1 returned from process" error.
      process.exitCode = 0;
      return;
    }
    // The binary always ends its azp output with task.complete; whatever
    // exited without one was not a complete run. libuv runs a file the kernel
    // will not execute through /bin/sh, as execvp does, so a broken binary
    // shows up here (exit 126 or 127, or 0 for an empty file).
    const problem = formatProblem(binary, platform);
    if (problem) {
      cannotStart(problem);
      return;
    }
    fail('sonar-preflight exited with code ' + code + ' without reporting a result (' + exitMeaning(code) + ').');
  });
}

main();
