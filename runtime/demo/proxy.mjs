/**
 * Runs the proxy bundle as a child process on 127.0.0.1 and waits for its `ready` log line. Its stdout (the audit
 * trail of the stdout sink, plus EMF metric lines) goes to a file when `auditFile` is given; its stderr (operational
 * JSON logs) is relayed when `relayLogs` is set, and kept for error messages otherwise.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * @param opts.bundle     path of index.js
 * @param opts.cwd        working directory (the code asset, as on AgentCore)
 * @param opts.env        the process environment (nothing else is inherited but PATH)
 * @param opts.port       listen port ('0' for an ephemeral one)
 * @param opts.auditFile  where stdout goes (undefined: stdout is ignored)
 * @param opts.relayLogs  write the proxy's stderr lines to our stderr
 */
export async function startProxy({ bundle, cwd, env, port, auditFile, relayLogs }) {
  const child = spawn(process.execPath, [bundle], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', auditFile ? 'pipe' : 'ignore', 'pipe'],
  });
  let audit;
  let auditClosed = Promise.resolve();
  if (auditFile) {
    audit = createWriteStream(auditFile);
    auditClosed = new Promise((resolve) => audit.once('close', resolve));
    child.stdout.pipe(audit);
  }
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const stderrLines = [];
  let listeningPort;
  const ready = new Promise((resolve, reject) => {
    let buf = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        stderrLines.push(line);
        if (relayLogs) process.stderr.write(`${line}\n`);
        try {
          const log = JSON.parse(line);
          if (log.msg === 'listening') listeningPort = log.port;
          if (log.msg === 'ready') resolve(log);
        } catch {
          // not a JSON log line
        }
      }
    });
    void exited.then((code) => reject(new Error(`the proxy exited before it was ready (exit ${code}):\n${stderrLines.slice(-20).join('\n')}`)));
  });
  const readyLog = await ready;
  return {
    child,
    readyLog,
    port: listeningPort,
    url: `http://127.0.0.1:${listeningPort}/mcp`,
    exited,
    stderrLines,
    /** SIGTERM, then wait for the exit and for the audit file to be complete. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      await auditClosed;
      return code;
    },
  };
}
