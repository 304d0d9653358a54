// tests/server/clients/harness.mjs — the small pieces e2e.mjs is built from: checks that count
// and report, a hearth server process on a free loopback port with a temporary OLLAMA_MODELS,
// raw HTTP helpers (curl for status/error checks, node:http for streams and disconnects), and the
// npm install of the real clients into the build directory.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

export const SKIP_CODE = 77;

let passed = 0;
let failed = 0;
const failures = [];

export class CheckError extends Error {}

export function assert(cond, message) {
  if (!cond) throw new CheckError(message);
}

export function assertEq(actual, expected, message) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new CheckError(`${message}: expected ${e}, got ${a}`);
}

export async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    failures.push(name);
    console.log(`  FAIL ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}

export function summary() {
  console.log(`\n${passed} passed, ${failed} failed`);
  if (failed) console.log(`failed: ${failures.join('; ')}`);
  return failed === 0 ? 0 : 1;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// Installs the clients listed in package.json into `dir` (kept between runs). Returns a require
// function rooted there, or null when npm cannot reach its registry.
export function installClients(sourceDir, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const pkg = fs.readFileSync(path.join(sourceDir, 'package.json'));
  const have = fs.existsSync(path.join(dir, 'package.json')) && fs.readFileSync(path.join(dir, 'package.json')).equals(pkg);
  const installed = ['ollama', 'openai'].every((m) => fs.existsSync(path.join(dir, 'node_modules', m, 'package.json')));
  if (!have || !installed) {
    fs.writeFileSync(path.join(dir, 'package.json'), pkg);
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir, encoding: 'utf8', timeout: 300_000,
    });
    if (r.status !== 0) {
      console.log(`npm install failed (status ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
      return null;
    }
  }
  return createRequire(path.join(dir, 'node_modules', 'placeholder.js'));
}

export class HearthServer {
  constructor(binary, env = {}) {
    this.binary = binary;
    this.extraEnv = env;
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-'));
    this.models = path.join(this.home, 'models');
    fs.mkdirSync(this.models);
    this.log = '';
  }

  async start() {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.proc = spawn(this.binary, ['serve'], {
      env: { ...process.env, HOME: this.home, OLLAMA_HOST: `127.0.0.1:${this.port}`, OLLAMA_MODELS: this.models, ...this.extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(this.url + '/', { method: 'HEAD' });
        if (r.status === 200) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`hearth serve did not start:\n${this.log}`);
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return this.exited;
    this.proc.kill(signal);
    return this.exited;
  }

  cleanup() {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

// curl, for status codes and raw bodies exactly as a shell user sees them.
export function curl(args) {
  const out = execFileSync('curl', ['-s', '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const nl = out.lastIndexOf('\n');
  return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
}

// A streaming POST with node:http: resolves with the socket-level request so a test can read
// some lines and then drop the connection.
export function openStream(url, pathname, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: pathname, method: 'POST',
                               headers: { 'Content-Type': 'application/json' } }, (res) => {
      const lines = [];
      let buf = '';
      const waiters = [];
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        for (const w of waiters.splice(0)) w();
      });
      const ended = new Promise((r) => res.on('end', r).on('close', r));
      resolve({
        req, res, lines, ended,
        async waitLines(n, timeoutMs = 20_000) {
          const deadline = Date.now() + timeoutMs;
          while (lines.length < n) {
            if (Date.now() > deadline) throw new CheckError(`timed out waiting for ${n} lines (got ${lines.length})`);
            await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
          }
        },
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export function sha256File(file) {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
}
